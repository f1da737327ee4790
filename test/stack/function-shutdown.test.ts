// The real entry point (function/src/main.ts) as a process: a bad variable stops it with a
// message naming it, and SIGTERM lets an in-flight request finish before a clean exit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnComponent } from '../../scripts/lib/launcher.js';
import { ALL_CANDIDATES, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

const stack = useLocalStack();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('function process', () => {
  it('refuses a bad configuration, naming the variable', async () => {
    await assert.rejects(
      spawnComponent({ component: 'function', env: { MAX_BODY_BYTES: 'lots' } }),
      /exited \(2\) before serving:[\s\S]*bad configuration: MAX_BODY_BYTES must be an integer/,
    );
  });

  it('finishes the request in flight on SIGTERM, refuses new connections, exits 0', async () => {
    const fn = await spawnComponent({
      component: 'function',
      env: {
        DETECTOR_ADDR: stack()
          .detectors.map((r) => r.grpcAddress)
          .join(','),
        CLASSIFIER_ADDR: stack()
          .classifiers.map((r) => r.grpcAddress)
          .join(','),
        DETECT_DEADLINE_MS: '30000',
      },
    });
    const url = `http://127.0.0.1:${String(fn.port)}`;
    const frozen = stack().detectors.map((r) => r.pid ?? -1);
    try {
      // With the detectors frozen the request cannot finish early: it is surely in flight
      // once it has had a second to arrive.
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      let inFlight: Promise<Response>;
      try {
        inFlight = fetch(`${url}/?${ALL_CANDIDATES}`, {
          method: 'POST',
          body: await syntheticBananaPhoto({ width: 2400, height: 1800, bananas: 5 }),
          headers: { 'content-type': 'image/jpeg' },
        });
        await sleep(1000);
        fn.child.kill('SIGTERM');
        await sleep(300);
        assert.ok(fn.running, 'the function must wait for its in-flight request');
      } finally {
        for (const pid of frozen) process.kill(pid, 'SIGCONT');
      }
      const response = await inFlight;
      assert.equal(response.status, 200);
      assert.equal(await fn.exited, 0, fn.output().join('\n'));
      assert.match(fn.output().join('\n'), /"msg":"shutting down: finishing in-flight requests"/);
      await assert.rejects(fetch(`${url}/_/health`));
    } finally {
      await fn.stop('SIGKILL');
    }
  });
});

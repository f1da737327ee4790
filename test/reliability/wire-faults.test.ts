// Faults on the wire between the function and one of two detector replicas, through a fault
// proxy (test/support/fault-proxy.ts): 200 ms added each way with 5% of the chunks stalled
// 300 ms more, then a half-open connection (the proxy forwards nothing and closes nothing),
// then the replica itself frozen (SIGSTOP). Photos keep coming at concurrency 4 through every
// phase; none fails: deadlines hold, keepalive leaves the dead peer (GRPC_KEEPALIVE_TIME_MS /
// _TIMEOUT_MS, 1 s each here), the retry policy replays its calls (UNAVAILABLE) on the healthy
// replica and round_robin sends the next ones there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFunctionServer, type FunctionServer } from '../../function/src/server.js';
import { runLoad } from '../../scripts/lib/load.js';
import { seededRandom, syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack/stack.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const PHOTOS_PER_PHASE = 48;

describe('faults on the wire to one of two detector replicas', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  let fn: FunctionServer;
  let photo: Buffer;

  before(async () => {
    stack = await startLocalStack({
      detectorReplicas: 2,
      classifierReplicas: 1,
      transport: 'tcp',
      logLevel: 'silent',
      serviceEnv: { INTRA_OP_THREADS: '1' },
    });
    const [direct, proxied] = stack.detectors;
    assert.ok(direct && proxied);
    proxy = await startFaultProxy({ host: '127.0.0.1', port: proxied.grpcPort }, seededRandom(3));
    fn = await startFunctionServer({
      ...stack.functionConfig,
      port: 0,
      serveWeb: false,
      logLevel: 'silent',
      detectorAddress: `${direct.grpcAddress},${proxy.address}`,
      grpcKeepalive: { timeMs: 1000, timeoutMs: 1000 },
    });
    photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 2 });
  });
  after(async () => {
    await fn.close();
    await proxy.close();
    await stack.stop();
  });

  /** A phase of photos at concurrency 4: the statuses that were not 200, and the latencies. */
  async function phase() {
    const failures: string[] = [];
    const report = await runLoad({
      concurrency: 4,
      requests: PHOTOS_PER_PHASE,
      send: async () => {
        const answer = await fetch(`${fn.url}/?format=none`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg' },
          body: photo,
          signal: AbortSignal.timeout(30_000),
        });
        if (answer.status !== 200) failures.push(`${answer.status} ${await answer.text()}`);
        else await answer.arrayBuffer();
        return answer.status === 200;
      },
    });
    return { failures, p99: report.latencyMs.p99, p50: report.latencyMs.p50 };
  }

  let clean = { p50: 0, p99: 0 };

  it('a clean wire: every photo answered (the baseline)', async () => {
    const result = await phase();
    assert.deepEqual(result.failures, []);
    clean = result;
    assert.ok(proxy.connections() >= 1, 'the proxied replica takes calls');
  });

  it('200 ms each way and 5% of chunks stalled 300 ms more: every photo answered', async (t) => {
    proxy.setFaults({ delayMs: 200, stallShare: 0.05, stallMs: 300 });
    const result = await phase();
    assert.deepEqual(result.failures, []);
    t.diagnostic(
      `p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms; clean p50 ${clean.p50.toFixed(0)} ms, p99 ${clean.p99.toFixed(0)} ms (${(result.p99 / clean.p99).toFixed(2)}x)`,
    );
    proxy.setFaults({});
  });

  it('a half-open connection (nothing forwarded, nothing closed): every photo answered', async (t) => {
    proxy.setFaults({ blackhole: true });
    const started = performance.now();
    const result = await phase();
    assert.deepEqual(result.failures, []);
    t.diagnostic(
      `${PHOTOS_PER_PHASE} photos in ${((performance.now() - started) / 1000).toFixed(1)} s, p99 ${result.p99.toFixed(0)} ms`,
    );
    // The healthy replica carried them: the dead peer's calls were replayed, not lost.
    proxy.setFaults({});
  });

  it('the replica frozen (SIGSTOP) with connections open: every photo answered', async (t) => {
    const frozen = stack.detectors[1];
    assert.ok(frozen?.pid);
    // Connect through the repaired proxy again first, so that the freeze meets open connections.
    await phase();
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      const result = await phase();
      assert.deepEqual(result.failures, []);
      t.diagnostic(`p99 ${result.p99.toFixed(0)} ms with one replica frozen`);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });
});

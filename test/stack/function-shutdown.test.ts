// The real entry point (function/src/main.ts) as a process: a bad variable stops it with a
// message naming it, and SIGTERM lets an in-flight request finish before a clean exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { ALL_CANDIDATES, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from './synthetic-photo.js';

const stack = useLocalStack();

function startFunctionProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'function/src/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'listening' && record.port) resolve(record.port);
    });
    child.once('exit', (code) => {
      reject(new Error(`exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  port.catch(() => undefined); // only some tests wait for the port
  return { child, lines, port };
}

describe('function process', () => {
  it('refuses a bad configuration, naming the variable', async () => {
    const { child, lines } = startFunctionProcess({ MAX_BODY_BYTES: 'lots' });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(lines.join('\n'), /bad configuration: MAX_BODY_BYTES must be an integer/);
  });

  it('finishes the request in flight on SIGTERM, refuses new connections, exits 0', async () => {
    const { child, lines, port } = startFunctionProcess({
      DETECTOR_ADDR: stack()
        .detectors.map((r) => r.grpcAddress)
        .join(','),
      CLASSIFIER_ADDR: stack()
        .classifiers.map((r) => r.grpcAddress)
        .join(','),
    });
    const url = `http://127.0.0.1:${await port}`;
    const inFlight = fetch(`${url}/?${ALL_CANDIDATES}`, {
      method: 'POST',
      body: await syntheticBananaPhoto({ width: 2400, height: 1800, bananas: 5 }),
      headers: { 'content-type': 'image/jpeg' },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines.join('\n'), /"msg":"shutting down: finishing in-flight requests"/);
    await assert.rejects(fetch(`${url}/_/health`));
  });
});

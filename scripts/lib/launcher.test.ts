import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { launch, parseReadyLine } from './launcher.js';

const ready = (line: string) => (line === 'ready' ? 'yes' : undefined);

describe('launch', () => {
  it('resolves on the ready line, keeps the output and stops the process', async () => {
    const seen: string[] = [];
    const proc = await launch({
      name: 'waiter',
      args: ['-e', "console.log('loading'); console.error('ready'); setInterval(() => {}, 1000);"],
      ready,
      onLine: (line) => seen.push(line),
    });
    assert.equal(proc.ready, 'yes');
    assert.equal(proc.running, true);
    assert.ok(proc.readyAt >= proc.spawnedAt);
    assert.deepEqual(seen, ['loading', 'ready']);
    assert.equal(await proc.stop('SIGTERM'), 'SIGTERM');
    assert.equal(proc.running, false);
    assert.deepEqual(proc.output(), ['loading', 'ready']);
  });

  it('passes the environment over this process’s', async () => {
    const proc = await launch({
      name: 'env',
      args: ['-e', 'console.log(process.env.LAUNCH_TEST); setInterval(() => {}, 1000);'],
      env: { LAUNCH_TEST: 'ready' },
      ready,
    });
    await proc.stop();
  });

  it('rejects with the output when the process exits before its ready line', async () => {
    await assert.rejects(
      launch({
        name: 'quitter',
        args: ['-e', "console.log('bad config'); process.exit(3)"],
        ready,
      }),
      /^Error: quitter exited \(3\) before serving:\nbad config$/,
    );
  });

  it('kills a process that does not get ready in time', async () => {
    await assert.rejects(
      launch({
        name: 'sleeper',
        args: ['-e', 'setInterval(() => {}, 1000)'],
        ready,
        startTimeoutMs: 300,
      }),
      /sleeper did not start within 300 ms/,
    );
  });

  it('escalates to SIGKILL when a stop signal is ignored', async () => {
    const proc = await launch({
      name: 'stubborn',
      args: [
        '-e',
        "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);",
      ],
      ready,
    });
    assert.equal(await proc.stop('SIGTERM', 300), 'SIGKILL');
  });
});

describe('parseReadyLine', () => {
  it('reads the serving line of a model service and the listening line of the function', () => {
    const serving = '{"msg":"serving","grpcPort":5,"metricsPort":6}';
    assert.deepEqual(parseReadyLine(serving, 'detector'), { port: 5, metricsPort: 6 });
    assert.deepEqual(parseReadyLine('{"msg":"listening","port":7}', 'function'), { port: 7 });
    assert.equal(parseReadyLine(serving, 'function'), undefined);
    assert.equal(parseReadyLine('{"msg":"listening","port":"7"}', 'function'), undefined);
    assert.equal(parseReadyLine('listening', 'function'), undefined);
  });
});

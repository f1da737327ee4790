// The local stack of `npm start`: a replica that exits by itself is reported and restarted with
// backoff while the others keep serving; every process listens on loopback only; the command
// line documents every flag.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { eventually } from '../support/eventually.js';
import { runCli } from '../support/run-cli.js';
import { post } from './answers.js';
import { ALL_CANDIDATES, useLocalStack } from './stack-fixture.js';

const events: string[] = [];
const stack = useLocalStack({
  detectorReplicas: 1,
  classifierReplicas: 2,
  restartPolicy: { initialDelayMs: 300, maxDelayMs: 2000, resetAfterMs: 60_000 },
  onReplicaEvent: (message) => events.push(message),
});

const classify = async () =>
  post(`${stack().functionUrl}/?${ALL_CANDIDATES}&format=none`, {
    body: await syntheticBananaPhoto({ width: 640, height: 480, bananas: 3 }),
    headers: { 'content-type': 'image/jpeg' },
  });

/** Resolves true when something accepts a TCP connection at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

describe('the local stack', () => {
  it('reports a replica that was killed, restarts it, and keeps serving meanwhile', async () => {
    const victim = stack().classifiers[0];
    assert.ok(victim?.pid !== undefined);
    const firstPid = victim.pid;
    assert.equal((await classify()).status, 200);

    process.kill(firstPid, 'SIGKILL');
    const during = [];
    for (let i = 0; i < 6; i += 1) during.push((await classify()).status);
    assert.deepEqual(during, [200, 200, 200, 200, 200, 200], 'the other classifier serves');

    await eventually(
      'the restart',
      () => Promise.resolve(victim.running && victim.restarts),
      (restarts) => restarts === 1,
      60_000,
    );
    assert.notEqual(victim.pid, firstPid);
    assert.match(
      events.join('\n'),
      new RegExp(`classifier-0 \\(pid ${firstPid}\\) exited unexpectedly \\(SIGKILL\\)`),
    );
    assert.match(events.join('\n'), /classifier-0: restarting in 0\.3 s/);
    assert.match(events.join('\n'), /classifier-0: restarted \(pid \d+\), serving again/);
    assert.equal((await fetch(victim.metricsUrl)).status, 200, 'the restarted replica serves');
    assert.equal((await classify()).status, 200);
  });

  it('does not restart a replica stopped on purpose', async () => {
    const replica = stack().classifiers[1];
    assert.ok(replica);
    const before = events.length;
    await replica.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(replica.running, false);
    assert.deepEqual(events.slice(before), []);
    await replica.restart();
    assert.equal(replica.running, true);
  });

  it('gives every replica its share of the threads', async () => {
    const { threads, detectors, classifiers } = stack();
    assert.deepEqual(Object.keys(threads).sort(), ['INTRA_OP_THREADS', 'UV_THREADPOOL_SIZE']);
    for (const replica of [...detectors, ...classifiers]) {
      const environ = (await readFile(`/proc/${replica.pid ?? 0}/environ`, 'utf8')).split('\0');
      for (const [name, value] of Object.entries(threads)) {
        assert.ok(
          environ.includes(`${name}=${value}`),
          `${name}=${value} in replica ${replica.pid ?? 0}`,
        );
      }
    }
  });

  it('reaches a service of one replica over its Unix socket, several replicas over TCP', async () => {
    const { functionConfig, detectors, classifiers } = stack();
    const socket = detectors[0]?.grpcSocketAddress;
    assert.ok(socket !== undefined && socket.startsWith('unix:/'), String(socket));
    assert.equal(functionConfig.detectorAddress, socket);
    assert.equal(functionConfig.classifierAddress, classifiers.map((r) => r.grpcAddress).join(','));
    assert.equal((await classify()).status, 200);
    // /proc/net/unix lists the socket's accepted connections under its path, state 03 (connected).
    const path = socket.slice('unix:'.length);
    const connected = (await readFile('/proc/net/unix', 'utf8'))
      .split('\n')
      .filter((line) => line.endsWith(` ${path}`) && line.split(/\s+/)[5] === '03');
    assert.ok(connected.length > 0, `a connection on ${path}`);
  });

  it('listens on loopback only', async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
    const replica = stack().detectors[0];
    assert.ok(replica);
    assert.equal(await accepts('127.0.0.1', replica.grpcPort), true);
    if (external === undefined) {
      t.skip('this machine has no non-loopback IPv4 address to try');
      return;
    }
    for (const port of [replica.grpcPort, replica.metricsPort, stack().functionServer.port]) {
      assert.equal(await accepts(external, port), false, `${external}:${port} accepts connections`);
    }
  });
});

describe('npm start command line', () => {
  it('--help lists every flag and exits 0; an unknown flag exits 2 with the usage', async () => {
    const help = await runCli('scripts/local-stack/main.ts', ['--help']);
    assert.equal(help.code, 0);
    for (const flag of [
      '--detector-replicas',
      '--classifier-replicas',
      '--port',
      '--verbose',
      '--help',
    ]) {
      assert.ok(help.stdout.includes(flag), flag);
    }
    const bad = await runCli('scripts/local-stack/main.ts', ['--replicas', '3']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown option '--replicas'[\s\S]*Usage: npm start/);
  });
});

// startModelService's lifecycle, with the classifier's spec and its real model, and an
// inference pool the test holds back: NOT_SERVING (and Classify UNAVAILABLE) while the pool
// loads, SERVING once it is ready; shutdown lets a call in progress finish, then stops.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createClassifierClient, status } from '../client/index.js';
import { classifierCardOf, type ClassifierCard } from '../model-card/index.js';
import type { InferencePool } from '../inference/index.js';
import { rejectsWithStatus } from '../../test/support/grpc-assert.js';
import { checkHealth } from '../../test/support/health-client.js';
import { localServiceConfig } from '../../test/support/local-service-config.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { startClassifierService } from '../../services/classifier/src/server.js';
import { prepareModel } from './model-pool.js';
import type { PreparedModel } from './types.js';
import { freePort } from '../../test/support/free-port.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The pool, with every run() held until `runs.open()` (the real run follows). */
function holdingRuns(pool: InferencePool, runs: { opened: Promise<void> }, started: () => void) {
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'run') {
        return async (...args: Parameters<InferencePool['run']>) => {
          started();
          await runs.opened;
          return target.run(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

const SERVICE = 'banana.v1.Classifier';

describe('startModelService', () => {
  it('is NOT_SERVING while the pool loads, SERVING once it is ready, and drains on shutdown', async () => {
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const config = localServiceConfig(parseClassifierConfig, {
      grpcPort,
      metricsPort,
      shutdownGraceMs: 30_000,
    });
    const prepared = await prepareModel('classifier', config, classifierCardOf);
    const poolReady = gate();
    const runs = gate();
    let runStarted!: () => void;
    const running = new Promise<void>((resolve) => (runStarted = resolve));
    const held: PreparedModel<ClassifierCard> = {
      ...prepared,
      pool: poolReady.opened.then(async () => holdingRuns(await prepared.pool, runs, runStarted)),
    };
    const starting = startClassifierService(config, held);
    const client = createClassifierClient({ target: `127.0.0.1:${grpcPort}` });
    let stop: (() => Promise<void>) | undefined;
    try {
      // The gRPC server answers before the model is ready: NOT_SERVING, and calls refused.
      let health: string | undefined;
      for (let i = 0; i < 200 && health === undefined; i++) {
        health = await checkHealth(grpcPort, SERVICE).catch(() => undefined);
        if (health === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(health, 'NOT_SERVING');
      const metricsHealth = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      assert.notEqual(metricsHealth.status, 200, 'the metrics endpoint reports it unhealthy too');
      const crop = await sharp({
        create: { width: 40, height: 60, channels: 3, background: '#e0c020' },
      })
        .png()
        .toBuffer();
      await rejectsWithStatus(client.classify({ crops: [crop] }), status.UNAVAILABLE);

      poolReady.open();
      const service = await starting;
      stop = () => service.shutdown();
      assert.equal(await checkHealth(grpcPort, SERVICE), 'SERVING');
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status, 200);

      // A call in progress when shutdown begins still gets its answer; shutdown waits for it.
      const call = client.classify({ crops: [crop] });
      await running;
      let stopped = false;
      const stopping = service.shutdown().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(stopped, false, 'shutdown waits for the call in progress');
      await rejectsWithStatus(
        client.classify({ crops: [crop] }, { deadlineMs: 2000 }),
        status.UNAVAILABLE,
      );
      runs.open();
      const answer = await call;
      assert.equal(answer.results.length, 1);
      await stopping;
      assert.equal(stopped, true);
    } finally {
      poolReady.open();
      runs.open();
      client.close();
      await (stop?.() ?? starting.then((s) => s.shutdown()).catch(() => undefined));
    }
  });

  it('serves on GRPC_SOCKET too: a stale socket file is replaced, the socket is 0660 and removed on shutdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'socket-test-'));
    const socket = join(dir, 'classifier.sock');
    // What a killed process leaves behind: a socket file nobody listens on.
    const stale = createServer().listen(socket);
    await once(stale, 'listening');
    stale.close();
    await writeFile(join(dir, 'not-a-socket'), 'x');
    const config = localServiceConfig(parseClassifierConfig, { grpcSocket: socket });
    const service = await startClassifierService(config);
    const client = createClassifierClient({ target: `unix:${socket}` });
    try {
      assert.equal((await stat(socket)).mode & 0o777, 0o660);
      const crop = await sharp({
        create: { width: 40, height: 60, channels: 3, background: '#e0c020' },
      })
        .png()
        .toBuffer();
      assert.equal((await client.classify({ crops: [crop] })).results.length, 1);
    } finally {
      client.close();
      await service.shutdown();
    }
    await assert.rejects(stat(socket), { code: 'ENOENT' });
    // Any other file at the path is never removed: the service does not start.
    await assert.rejects(
      startClassifierService({ ...config, grpcSocket: join(dir, 'not-a-socket') }),
      /not-a-socket exists and is not a socket/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createDetectorClient } from '../../../lib/client/index.js';
import { detectorCardOf } from '../../../lib/model-card/index.js';
import { prepareModel } from '../../../lib/model-service/model-pool.js';
import { eventually } from '../../../test/support/eventually.js';
import { checkHealth } from '../../../test/support/health-client.js';
import { noisePng } from '../../../test/support/images.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { startServiceProcess } from '../../../test/support/service-process.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const MAIN = 'services/detector/src/main.ts';
const BASE_ENV = { GRPC_PORT: '0', METRICS_PORT: '0', INTRA_OP_THREADS: '1' };

describe('detector main', () => {
  it('finishes an in-flight call on SIGTERM, then exits 0', async () => {
    const service = startServiceProcess(MAIN, { ...BASE_ENV, LOG_LEVEL: 'debug' });
    const serving = await service.waitFor('serving');
    const client = createDetectorClient({ target: `127.0.0.1:${String(serving.grpcPort)}` });
    try {
      // A big PNG has no shrink-on-load: decoding it keeps the call busy for a while.
      const call = client.detect({ image: await noisePng(2800, 2800) });
      await service.waitFor('call started');
      service.child.kill('SIGTERM');
      const response = await call;
      assert.deepEqual(response.imageSize, { width: 2800, height: 2800 });
      assert.equal(await service.exited, 0);
      const shuttingDown = await service.waitFor('shutting down');
      assert.equal(shuttingDown.inFlight, 1, 'the call was still running when the signal came');
      assert.equal((await service.waitFor('stopped')).ending, 'drained');
    } finally {
      client.close();
      service.child.kill('SIGKILL');
    }
  });

  it('exits 2 naming a bad environment variable, as every process does', async () => {
    const service = startServiceProcess(MAIN, { ...BASE_ENV, GRPC_PORT: 'fifty' });
    assert.equal(await service.exited, 2);
    const line = service.lines.find((l) => l.level === 'fatal');
    assert.match(String(line?.msg), /bad configuration: GRPC_PORT must be an integer, got "fifty"/);
  });

  it('exits 1 when the model cannot be loaded', async () => {
    const service = startServiceProcess(MAIN, {
      ...BASE_ENV,
      MODEL_DIR: '/nonexistent',
    });
    assert.equal(await service.exited, 1);
    const line = service.lines.find((l) => l.level === 'fatal');
    assert.match(String(line?.msg), /failed to start: \/nonexistent: holds no detector model/);
  });

  it('reports NOT_SERVING (gRPC health and /healthz) until the model is loaded and warmed up', async () => {
    // Fixed ports: the service only says which ports it bound once it is SERVING.
    const [grpcPort, metricsPort] = await Promise.all([freePort(), freePort()]);
    const config = localServiceConfig(parseDetectorConfig, { grpcPort, metricsPort });
    const prepared = await prepareModel('detector', config, detectorCardOf);
    // The pool resolves once every worker has loaded the model and run the warm-up input;
    // the test holds it back to look at the service in between.
    let loaded = (): void => undefined;
    const held = new Promise<void>((resolve) => (loaded = resolve));
    const starting = startDetectorService(config, {
      ...prepared,
      pool: held.then(() => prepared.pool),
    });
    const healthz = () => fetch(`http://127.0.0.1:${metricsPort}/healthz`).then((r) => r.status);
    // Whatever fails below, the service started here is stopped (else the file never ends).
    try {
      try {
        assert.equal(
          await eventually(
            'gRPC health answers',
            () => checkHealth(grpcPort, 'banana.v1.Detector'),
            () => true,
          ),
          'NOT_SERVING',
        );
        assert.equal(await checkHealth(grpcPort, ''), 'NOT_SERVING');
        assert.equal(await eventually('/healthz answers', healthz, () => true), 503);
      } finally {
        loaded();
      }
      await starting;
      assert.equal(await checkHealth(grpcPort, 'banana.v1.Detector'), 'SERVING');
      assert.equal(await checkHealth(grpcPort, ''), 'SERVING');
      assert.equal(await healthz(), 200);
    } finally {
      await (await starting).shutdown();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

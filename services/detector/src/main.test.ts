import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDetectorClient } from '../../../lib/client/index.js';
import { noisePng } from '../../../test/support/images.js';
import { startServiceProcess } from '../../../test/support/service-process.js';

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

  it('exits 1 naming a bad environment variable', async () => {
    const service = startServiceProcess(MAIN, { ...BASE_ENV, GRPC_PORT: 'fifty' });
    assert.equal(await service.exited, 1);
    const line = service.lines.find((l) => l.level === 'fatal');
    assert.match(
      String(line?.msg),
      /invalid configuration: GRPC_PORT must be an integer, got "fifty"/,
    );
  });

  it('exits 1 when the model cannot be loaded', async () => {
    const service = startServiceProcess(MAIN, {
      ...BASE_ENV,
      MODEL_PATH: '/nonexistent/detector.onnx',
    });
    assert.equal(await service.exited, 1);
    const line = service.lines.find((l) => l.level === 'fatal');
    assert.match(String(line?.msg), /failed to start: .*nonexistent\/detector.onnx/);
  });
});

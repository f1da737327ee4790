import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClassifierClient } from '../../../lib/client/index.js';
import { startServiceProcess } from '../../../test/support/service-process.js';

const MAIN = 'services/classifier/src/main.ts';
const BASE_ENV = { GRPC_PORT: '0', METRICS_PORT: '0', INTRA_OP_THREADS: '1' };

describe('classifier main', () => {
  it('serves, then exits 0 on SIGINT', async () => {
    const service = startServiceProcess(MAIN, BASE_ENV);
    const serving = await service.waitFor('serving');
    assert.ok(Number(serving.grpcPort) > 0 && Number(serving.metricsPort) > 0);
    const client = createClassifierClient({ target: `127.0.0.1:${String(serving.grpcPort)}` });
    try {
      assert.equal(await client.checkHealth(), 'SERVING');
    } finally {
      client.close();
    }
    service.child.kill('SIGINT');
    assert.equal(await service.exited, 0);
  });

  it('exits 2 naming a bad MAX_BATCH', async () => {
    const service = startServiceProcess(MAIN, { ...BASE_ENV, MAX_BATCH: '0' });
    assert.equal(await service.exited, 2);
    const line = service.lines.find((l) => l.level === 'fatal');
    assert.match(String(line?.msg), /MAX_BATCH must be between 1 and 4096, got 0/);
  });
});

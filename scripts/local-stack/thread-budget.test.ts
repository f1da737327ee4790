import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadBudget } from './thread-budget.js';

describe('threadBudget', () => {
  it('shares 2 cores between one detector, one classifier and the function', () => {
    assert.deepEqual(
      threadBudget({ cores: 2, detectorReplicas: 1, classifierReplicas: 1, env: {} }),
      {
        service: { INTRA_OP_THREADS: '1', VIPS_CONCURRENCY: '1', UV_THREADPOOL_SIZE: '2' },
        function: { VIPS_CONCURRENCY: '1' },
      },
    );
  });
  it('shares 16 cores between 1 detector and 3 classifiers', () => {
    assert.deepEqual(
      threadBudget({ cores: 16, detectorReplicas: 1, classifierReplicas: 3, env: {} }),
      {
        service: { INTRA_OP_THREADS: '4', VIPS_CONCURRENCY: '3', UV_THREADPOOL_SIZE: '3' },
        function: { VIPS_CONCURRENCY: '3' },
      },
    );
  });
  it('caps the libuv pool at 4 and gives each replica at least one thread', () => {
    assert.equal(
      threadBudget({ cores: 64, detectorReplicas: 1, classifierReplicas: 1, env: {} }).service
        .UV_THREADPOOL_SIZE,
      '4',
    );
    assert.deepEqual(
      threadBudget({ cores: 2, detectorReplicas: 4, classifierReplicas: 4, env: {} }).service,
      { INTRA_OP_THREADS: '1', VIPS_CONCURRENCY: '1', UV_THREADPOOL_SIZE: '2' },
    );
  });
  it('takes explicit values from the environment', () => {
    const budget = threadBudget({
      cores: 8,
      detectorReplicas: 1,
      classifierReplicas: 1,
      env: { INTRA_OP_THREADS: '3', UV_THREADPOOL_SIZE: '8' },
    });
    assert.deepEqual(budget.service, {
      INTRA_OP_THREADS: '3',
      VIPS_CONCURRENCY: '2',
      UV_THREADPOOL_SIZE: '8',
    });
    assert.deepEqual(budget.function, { VIPS_CONCURRENCY: '2' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadBudget } from './thread-budget.js';

const budget = (cores: number, detectorReplicas: number, classifierReplicas: number, env = {}) =>
  threadBudget({ cores, detectorReplicas, classifierReplicas, env });

describe('threadBudget', () => {
  it('shares 2 cores between one detector and one classifier', () => {
    assert.deepEqual(budget(2, 1, 1), { INTRA_OP_THREADS: '1', UV_THREADPOOL_SIZE: '2' });
  });
  it('shares 16 cores between 1 detector and 3 classifiers', () => {
    assert.deepEqual(budget(16, 1, 3), { INTRA_OP_THREADS: '4', UV_THREADPOOL_SIZE: '3' });
  });
  it('keeps the libuv pool within 2..4 and gives each replica at least one thread', () => {
    assert.deepEqual(budget(64, 1, 1), { INTRA_OP_THREADS: '32', UV_THREADPOOL_SIZE: '4' });
    assert.deepEqual(budget(2, 4, 4), { INTRA_OP_THREADS: '1', UV_THREADPOOL_SIZE: '2' });
  });
  it('takes explicit values from the environment', () => {
    assert.deepEqual(budget(8, 1, 1, { INTRA_OP_THREADS: '3' }), {
      INTRA_OP_THREADS: '3',
      UV_THREADPOOL_SIZE: '2',
    });
    assert.deepEqual(budget(8, 1, 1, { UV_THREADPOOL_SIZE: '8' }), {
      INTRA_OP_THREADS: '4',
      UV_THREADPOOL_SIZE: '8',
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inBatches } from './run-pipeline.js';

describe('inBatches', () => {
  it('keeps order and fills every batch but the last', () => {
    assert.deepEqual(inBatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(inBatches([1, 2], 64), [[1, 2]]);
    assert.deepEqual(inBatches([], 3), []);
  });
  it('rejects a size below 1', () => {
    assert.throws(() => inBatches([1], 0), RangeError);
  });
});

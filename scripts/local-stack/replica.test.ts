import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RESTART_POLICY, restartDelayMs } from './replica.js';

describe('restartDelayMs', () => {
  it('doubles from the first delay up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 100].map((attempt) =>
        restartDelayMs(DEFAULT_RESTART_POLICY, attempt),
      ),
      [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
    );
  });
});

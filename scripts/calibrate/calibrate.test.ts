import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrationTable, chooseConfidence, formatTable, rowAt } from './calibrate.js';

describe('calibration', () => {
  const withBananas = [0.9, 0.8, 0.7, 0.6];
  const withoutBananas = [0.75, 0.5, 0.1, 0, 0];

  it('rates: a photo counts from its top score up', () => {
    assert.deepEqual(rowAt(withBananas, withoutBananas, 0.7), {
      confidence: 0.7,
      found: 0.75,
      flagged: 0.2,
    });
    assert.deepEqual(rowAt(withBananas, withoutBananas, 0.95), {
      confidence: 0.95,
      found: 0,
      flagged: 0,
    });
    assert.deepEqual(rowAt([], [], 0.5), { confidence: 0.5, found: 0, flagged: 0 });
    assert.deepEqual(
      calibrationTable(withBananas, withoutBananas, [0.1, 0.5]).map((r) => [r.found, r.flagged]),
      [
        [1, 0.6],
        [1, 0.4],
      ],
    );
  });

  it('chooses the highest threshold that keeps the target found, rounded down to 0.001', () => {
    assert.equal(chooseConfidence(withBananas, 1), 0.6);
    assert.equal(chooseConfidence(withBananas, 0.75), 0.7);
    assert.equal(chooseConfidence(withBananas, 0.74), 0.7);
    assert.equal(chooseConfidence(withBananas, 0.5), 0.8);
    assert.equal(chooseConfidence([0.8567, 0.9], 1), 0.856);
    // 19 of 20 = 0.95 exactly: the 19th score, not the 20th (no float drift to 20)
    const twenty = Array.from({ length: 20 }, (_, i) => 1 - i / 40);
    assert.equal(chooseConfidence(twenty, 0.95), 0.55);
  });

  it('chooses nothing when even 0.01 does not find enough, or without photos', () => {
    assert.equal(chooseConfidence([0.5, 0.005], 1), undefined);
    assert.equal(chooseConfidence([0.5, 0.005], 0.5), 0.5);
    assert.equal(chooseConfidence([], 0.9), undefined);
  });

  it('prints the table with the marks', () => {
    const rows = calibrationTable(withBananas, withoutBananas, [0.5, 0.7]);
    assert.equal(
      formatTable(rows, new Map([[0.7, 'chosen']])),
      [
        'confidence    found  flagged',
        '     0.500   100.0%    40.0%',
        '     0.700    75.0%    20.0%  <- chosen',
      ].join('\n'),
    );
  });
});

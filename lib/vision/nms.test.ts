import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iou, nonMaxSuppression } from './nms.js';
import type { ScoredBox } from './types.js';

function scored(xMin: number, yMin: number, xMax: number, yMax: number, score: number): ScoredBox {
  return { box: { xMin, yMin, xMax, yMax }, score };
}

describe('iou', () => {
  it('is intersection over union', () => {
    const a = { xMin: 0, yMin: 0, xMax: 10, yMax: 10 };
    assert.equal(iou(a, { xMin: 5, yMin: 0, xMax: 15, yMax: 10 }), 50 / 150);
    assert.equal(iou(a, { xMin: 1, yMin: 1, xMax: 11, yMax: 11 }), 81 / 119);
    assert.equal(iou(a, a), 1);
  });

  it('is 0 for disjoint, touching and empty boxes', () => {
    const a = { xMin: 0, yMin: 0, xMax: 10, yMax: 10 };
    assert.equal(iou(a, { xMin: 10, yMin: 0, xMax: 20, yMax: 10 }), 0);
    assert.equal(iou(a, { xMin: 30, yMin: 30, xMax: 40, yMax: 40 }), 0);
    const empty = { xMin: 5, yMin: 5, xMax: 5, yMax: 5 };
    assert.equal(iou(empty, empty), 0);
  });
});

describe('nonMaxSuppression', () => {
  const high = scored(0, 0, 10, 10, 0.9);
  const overlapping = scored(1, 1, 11, 11, 0.8); // IoU with high = 81/119 ≈ 0.68
  const halfOverlap = scored(5, 0, 15, 10, 0.7); // IoU with high = 1/3, with overlapping = 40/160
  const apart = scored(50, 50, 60, 60, 0.95);

  it('keeps the most confident of overlapping boxes, sorted by score', () => {
    assert.deepEqual(nonMaxSuppression([high, overlapping, halfOverlap, apart], 0.5, 100), [
      apart,
      high,
      halfOverlap,
    ]);
  });

  it('suppresses only above the threshold (equal IoU is kept)', () => {
    assert.deepEqual(nonMaxSuppression([high, halfOverlap], 1 / 3, 100), [high, halfOverlap]);
    assert.deepEqual(nonMaxSuppression([high, halfOverlap], 0.33, 100), [high]);
  });

  it('caps the number of detections', () => {
    assert.deepEqual(nonMaxSuppression([high, halfOverlap, apart], 0.5, 2), [apart, high]);
  });

  it('keeps input order on equal scores', () => {
    const first = scored(0, 0, 1, 1, 0.5);
    const second = scored(0, 0, 1, 1, 0.5);
    const kept = nonMaxSuppression([first, second], 0.5, 10);
    assert.equal(kept.length, 1);
    assert.equal(kept[0], first);
  });

  it('returns nothing for no candidates', () => {
    assert.deepEqual(nonMaxSuppression([], 0.5, 10), []);
  });
});

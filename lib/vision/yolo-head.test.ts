import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeYoloHead, sigmoid } from './yolo-head.js';

const levels = [
  { stride: 8, gridWidth: 2, gridHeight: 1 },
  { stride: 16, gridWidth: 1, gridHeight: 1 },
];

// rows: level 0 (gx 0, gx 1), then level 1 (gx 0)
const head = new Float32Array([
  ...[0, 0, 0, 0, -10],
  ...[0.5, 0.5, 0, 0, 0],
  ...[0.25, 0.75, Math.log(2), 0, 2],
]);

describe('decodeYoloHead', () => {
  it('decodes rows level by level with the card formula', () => {
    const boxes = decodeYoloHead(head, levels, 0.25);
    assert.equal(boxes.length, 2);
    // cx = (1 + 0.5) * 8 = 12, cy = 0.5 * 8 = 4, w = h = 8
    assert.deepEqual(boxes[0], { box: { xMin: 8, yMin: 0, xMax: 16, yMax: 8 }, score: 0.5 });
    // cx = 0.25 * 16 = 4, cy = 0.75 * 16 = 12, w = exp(ln 2) * 16 = 32, h = 16
    const second = boxes[1];
    assert.equal(second?.score, sigmoid(2));
    assert.equal(second.score, 0.8807970779778823);
    assert.ok(Math.abs(second.box.xMin - -12) < 1e-5 && Math.abs(second.box.xMax - 20) < 1e-5);
    assert.deepEqual([second.box.yMin, second.box.yMax], [4, 20]);
  });

  it('keeps scores equal to the threshold', () => {
    assert.equal(decodeYoloHead(head, levels, 0.5).length, 2);
    assert.equal(decodeYoloHead(head, levels, 0.51).length, 1);
  });

  it('rejects an output whose size does not match the card', () => {
    assert.throws(() => decodeYoloHead(new Float32Array(10), levels, 0.5), /3 rows of 5/);
  });
});

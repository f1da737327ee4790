import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coveringRect, cropRgb } from './crop-rgb.js';

describe('coveringRect', () => {
  const image = { width: 100, height: 50 };
  it('floors the top-left and ceils the bottom-right', () => {
    assert.deepEqual(coveringRect({ x_min: 10.7, y_min: 5.2, x_max: 20.1, y_max: 9.9 }, image), {
      left: 10,
      top: 5,
      width: 11,
      height: 5,
    });
  });
  it('clamps to the image', () => {
    assert.deepEqual(coveringRect({ x_min: -3, y_min: -1, x_max: 120, y_max: 60 }, image), {
      left: 0,
      top: 0,
      width: 100,
      height: 50,
    });
  });
  it('is at least one pixel, even for degenerate or outside boxes', () => {
    assert.deepEqual(coveringRect({ x_min: 5, y_min: 5, x_max: 5, y_max: 5 }, image), {
      left: 5,
      top: 5,
      width: 1,
      height: 1,
    });
    assert.deepEqual(coveringRect({ x_min: 150, y_min: 70, x_max: 160, y_max: 80 }, image), {
      left: 99,
      top: 49,
      width: 1,
      height: 1,
    });
  });
});

describe('cropRgb', () => {
  it('copies exactly the rectangle rows', () => {
    // 3x2 image, pixel value = index
    const pixels = Buffer.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
    const crop = cropRgb({ pixels, width: 3, height: 2 }, { left: 1, top: 0, width: 2, height: 2 });
    assert.deepEqual([...crop], [1, 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, 5]);
  });
});

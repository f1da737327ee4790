import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitWithin, rescaleBox } from './fit-within.js';

describe('fitWithin', () => {
  it('keeps sizes that already fit', () => {
    assert.deepEqual(fitWithin({ width: 640, height: 480 }, 1024), { width: 640, height: 480 });
    assert.deepEqual(fitWithin({ width: 1024, height: 10 }, 1024), { width: 1024, height: 10 });
  });
  it('scales the longer side down to the limit, keeping the aspect ratio', () => {
    assert.deepEqual(fitWithin({ width: 4000, height: 3000 }, 1024), { width: 1024, height: 768 });
    assert.deepEqual(fitWithin({ width: 3000, height: 4000 }, 256), { width: 192, height: 256 });
    assert.deepEqual(fitWithin({ width: 5000, height: 1 }, 100), { width: 100, height: 1 });
  });
});

describe('rescaleBox', () => {
  it('scales each axis by its own factor', () => {
    const box = { xMin: 10, yMin: 20, xMax: 100, yMax: 200 };
    assert.deepEqual(rescaleBox(box, { width: 1024, height: 768 }, { width: 4096, height: 3840 }), {
      xMin: 40,
      yMin: 100,
      xMax: 400,
      yMax: 1000,
    });
  });
  it('clamps to the target image', () => {
    const box = { xMin: -1, yMin: -1, xMax: 101, yMax: 51 };
    assert.deepEqual(rescaleBox(box, { width: 100, height: 50 }, { width: 200, height: 100 }), {
      xMin: 0,
      yMin: 0,
      xMax: 200,
      yMax: 100,
    });
  });
});

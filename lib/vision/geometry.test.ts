import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeOnCanvas } from './canvas.js';
import { assertUsableBox, boxToPixelRect, cropRgb } from './crop.js';
import { ImageInputError } from './image-input-error.js';
import { cropPaddedToSquare } from './model-input.js';
import { roundHalfEven } from './round.js';
import type { RgbImage } from './types.js';

function image(width: number, height: number, pixels: number[]): RgbImage {
  return { width, height, data: Uint8Array.from(pixels) };
}

describe('roundHalfEven', () => {
  it('rounds halves to even and everything else to nearest', () => {
    assert.deepEqual(
      [0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6, 3].map(roundHalfEven),
      [0, 2, 2, 0, -2, 2, 3, 3],
    );
  });
});

describe('placeOnCanvas', () => {
  it('fills the canvas and copies the image at the offset', () => {
    const canvas = placeOnCanvas(
      image(1, 2, [10, 11, 12, 20, 21, 22]),
      { width: 2, height: 2 },
      1,
      0,
      [1, 2, 3],
    );
    assert.deepEqual(Array.from(canvas.data), [1, 2, 3, 10, 11, 12, 1, 2, 3, 20, 21, 22]);
  });

  it('refuses an image that does not fit', () => {
    assert.throws(
      () =>
        placeOnCanvas(image(2, 1, [0, 0, 0, 0, 0, 0]), { width: 2, height: 2 }, 1, 0, [0, 0, 0]),
      RangeError,
    );
  });
});

describe('cropPaddedToSquare on a whole image', () => {
  const whole = (img: RgbImage) => ({ left: 0, top: 0, width: img.width, height: img.height });

  it('centres a tall image horizontally with floor offsets', () => {
    // 1x3 column -> 3x3, column at x = 1
    const column = image(1, 3, [9, 9, 9, 8, 8, 8, 7, 7, 7]);
    const padded = cropPaddedToSquare(column, whole(column), [0, 0, 0]);
    assert.equal(padded.width, 3);
    assert.deepEqual(
      Array.from(padded.data),
      [0, 0, 0, 9, 9, 9, 0, 0, 0, 0, 0, 0, 8, 8, 8, 0, 0, 0, 0, 0, 0, 7, 7, 7, 0, 0, 0],
    );
  });

  it('puts the extra pixel of an odd padding after the image', () => {
    // 2x1 row -> 2x2, row at y = floor(1/2) = 0
    const row = image(2, 1, [5, 5, 5, 6, 6, 6]);
    const padded = cropPaddedToSquare(row, whole(row), [1, 1, 1]);
    assert.deepEqual(Array.from(padded.data), [5, 5, 5, 6, 6, 6, 1, 1, 1, 1, 1, 1]);
  });

  it('keeps a square image as it is', () => {
    const square = image(1, 1, [1, 2, 3]);
    const copy = cropPaddedToSquare(square, whole(square), [0, 0, 0]);
    assert.deepEqual([copy.width, copy.height, Array.from(copy.data)], [1, 1, [1, 2, 3]]);
  });
});

describe('boxToPixelRect', () => {
  const size = { width: 10, height: 10 };

  it('rounds edges half to even', () => {
    assert.deepEqual(boxToPixelRect({ xMin: 0.5, yMin: 1.5, xMax: 2.5, yMax: 3.5 }, size), {
      left: 0,
      top: 2,
      width: 2,
      height: 2,
    });
  });

  it('clamps to the image', () => {
    assert.deepEqual(boxToPixelRect({ xMin: -5, yMin: -5, xMax: 100, yMax: 100 }, size), {
      left: 0,
      top: 0,
      width: 10,
      height: 10,
    });
  });

  it('keeps at least one pixel', () => {
    assert.deepEqual(boxToPixelRect({ xMin: 3.2, yMin: 9.7, xMax: 3.3, yMax: 9.9 }, size), {
      left: 3,
      top: 9,
      width: 1,
      height: 1,
    });
  });
});

describe('assertUsableBox', () => {
  const size = { width: 10, height: 10 };
  const check = (xMin: number, yMin: number, xMax: number, yMax: number) => () => {
    assertUsableBox({ xMin, yMin, xMax, yMax }, size, 'box 1');
  };

  it('accepts boxes overlapping the image', () => {
    assert.doesNotThrow(check(-5, -5, 1, 1));
  });

  it('names the problem', () => {
    assert.throws(
      check(Number.NaN, 0, 1, 1),
      (e: unknown) =>
        e instanceof ImageInputError && /box 1 .* not a finite number/.test(e.message),
    );
    assert.throws(check(0, 0, Infinity, 1), /not a finite number/);
    assert.throws(check(5, 0, 5, 1), /degenerate/);
    assert.throws(check(0, 3, 1, 2), /degenerate/);
    assert.throws(check(10, 0, 12, 1), /outside the 10x10 image/);
    assert.throws(check(-3, -3, 0, 0), /outside/);
  });
});

describe('cropRgb', () => {
  it('copies the rectangle', () => {
    // 3x2 image, pixel value = 10 * index
    const source = image(
      3,
      2,
      [0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50, 50, 50],
    );
    const crop = cropRgb(source, { left: 1, top: 0, width: 2, height: 2 });
    assert.deepEqual(Array.from(crop.data), [10, 10, 10, 20, 20, 20, 40, 40, 40, 50, 50, 50]);
    assert.deepEqual([crop.width, crop.height], [2, 2]);
  });
});

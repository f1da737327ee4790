import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blendRgba, fillRect, parseHexColour } from './raster.js';

/** A 3x2 grey image. */
const grey = () => ({ data: new Uint8Array(3 * 2 * 3).fill(100), width: 3, height: 2 });

describe('parseHexColour', () => {
  it('reads #rrggbb', () => {
    assert.deepEqual(parseHexColour('#fdd835'), [253, 216, 53]);
    assert.throws(() => parseHexColour('yellow'), /not a #rrggbb colour/);
  });
});

describe('fillRect', () => {
  it('paints exactly the rectangle', () => {
    const image = grey();
    fillRect(image, { x: 1, y: 1, width: 2, height: 1 }, [1, 2, 3]);
    assert.deepEqual(
      [...image.data],
      [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1, 2, 3, 1, 2, 3],
    );
  });
});

describe('fillRect, larger', () => {
  it('paints every pixel of a wide, tall rectangle and nothing around it', () => {
    const width = 40;
    const image = { data: new Uint8Array(width * 30 * 3).fill(100), width, height: 30 };
    const rect = { x: 3, y: 2, width: 33, height: 25 };
    fillRect(image, rect, [1, 2, 3]);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x >= 3 && x < 36 && y >= 2 && y < 27;
        const at = (y * width + x) * 3;
        assert.deepEqual(
          [...image.data.subarray(at, at + 3)],
          inside ? [1, 2, 3] : [100, 100, 100],
          `pixel ${x},${y}`,
        );
      }
    }
  });
});

describe('blendRgba', () => {
  it('keeps transparent pixels, replaces opaque ones and mixes the rest', () => {
    const image = grey();
    const rgba = new Uint8Array([200, 0, 0, 0, 200, 0, 0, 255, 200, 0, 0, 128]);
    blendRgba(image, rgba, { x: 0, y: 0, width: 3, height: 1 });
    // 128/255 of 200 + 127/255 of 100 = 150.2 -> 150; 127/255 of 100 = 49.8 -> 50
    assert.deepEqual([...image.data.subarray(0, 9)], [100, 100, 100, 200, 0, 0, 150, 50, 50]);
    assert.deepEqual([...image.data.subarray(9)], [100, 100, 100, 100, 100, 100, 100, 100, 100]);
  });
  it('takes the rectangle from its rows of a larger raster', () => {
    const image = grey();
    // A 2-pixel-wide raster of 3 rows; the 1x1 rectangle is its third row's first pixel.
    const raster = new Uint8Array(2 * 3 * 4);
    raster.set([7, 8, 9, 255], 2 * 2 * 4);
    blendRgba(image, raster, { x: 1, y: 1, width: 1, height: 1 }, { width: 2, top: 2 });
    const at = (1 * image.width + 1) * 3;
    assert.deepEqual([...image.data.subarray(at, at + 3)], [7, 8, 9]);
    assert.throws(() => {
      blendRgba(image, raster, { x: 0, y: 0, width: 1, height: 2 }, { width: 2, top: 2 });
    }, RangeError);
  });
  it('refuses pixels that do not match the rectangle', () => {
    assert.throws(() => {
      blendRgba(grey(), new Uint8Array(4), { x: 0, y: 0, width: 2, height: 1 });
    }, RangeError);
  });
});

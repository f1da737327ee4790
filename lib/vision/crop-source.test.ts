import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cropBoxesFromDecodes,
  halveImage,
  halvingsFor,
  keepsInputSize,
  scaledPixelRect,
} from './crop-source.js';
import { cropRgb } from './crop.js';
import type { PixelInputSpec } from './model-input.js';
import type { RgbImage } from './types.js';

/** An image whose every byte depends on its position, so that misplaced pixels show. */
function gradient(width: number, height: number, salt = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++)
    data[i] = (i * 7 + Math.floor(i / (width * 3)) * 13 + salt) % 256;
  return { data, width, height };
}

const INPUT: PixelInputSpec = {
  width: 64,
  height: 64,
  padValue: [114, 114, 114],
  kernel: 'linear',
};

describe('scaledPixelRect', () => {
  it('scales the box per axis by the decode size over the photo size, then rounds half to even', () => {
    const scaled = { image: gradient(320, 240), source: { width: 1280, height: 960 } };
    // x: 10*0.25 = 2.5 -> 2, 270*0.25 = 67.5 -> 68; y: 6*0.25 = 1.5 -> 2, 262*0.25 = 65.5 -> 66.
    assert.deepEqual(scaledPixelRect({ xMin: 10, yMin: 6, xMax: 270, yMax: 262 }, scaled), {
      left: 2,
      top: 2,
      width: 66,
      height: 64,
    });
  });

  it('clamps to the scaled image', () => {
    const scaled = { image: gradient(100, 50), source: { width: 200, height: 100 } };
    assert.deepEqual(scaledPixelRect({ xMin: 150, yMin: 60, xMax: 260, yMax: 140 }, scaled), {
      left: 75,
      top: 30,
      width: 25,
      height: 20,
    });
  });
});

describe('keepsInputSize', () => {
  it('holds when the longer side of the box reaches the input side', () => {
    assert.equal(keepsInputSize({ left: 0, top: 0, width: 64, height: 10 }, INPUT), true);
    assert.equal(keepsInputSize({ left: 0, top: 0, width: 20, height: 64 }, INPUT), true);
    assert.equal(keepsInputSize({ left: 0, top: 0, width: 63, height: 63 }, INPUT), false);
  });
});

describe('cropBoxesFromDecodes', () => {
  const full = gradient(400, 300, 1);
  const scaled = { image: gradient(200, 150, 2), source: { width: 400, height: 300 } };

  it('cuts a box that keeps the input size from the scaled decode, never decoding in full', async () => {
    let fullCalls = 0;
    const crops = await cropBoxesFromDecodes(
      [{ xMin: 20, yMin: 40, xMax: 148, yMax: 168 }],
      scaled,
      () => {
        fullCalls += 1;
        return Promise.resolve(full);
      },
      INPUT,
    );
    assert.equal(fullCalls, 0);
    // 128x128 in the photo is 64x64 at half size: the input size, cut without resampling.
    const expected = cropRgb(scaled.image, { left: 10, top: 20, width: 64, height: 64 });
    assert.deepEqual(crops[0]?.data, expected.data);
  });

  it('cuts smaller boxes from the full decode, asked for once, in the order of the boxes', async () => {
    let fullCalls = 0;
    const boxes = [
      { xMin: 0, yMin: 0, xMax: 64, yMax: 64 },
      { xMin: 100, yMin: 100, xMax: 300, yMax: 200 },
      { xMin: 200, yMin: 10, xMax: 264, yMax: 74 },
    ];
    const crops = await cropBoxesFromDecodes(
      boxes,
      scaled,
      () => {
        fullCalls += 1;
        return Promise.resolve(full);
      },
      INPUT,
    );
    assert.equal(fullCalls, 1);
    assert.deepEqual(
      crops.map((c) => [c.width, c.height]),
      [
        [64, 64],
        [64, 64],
        [64, 64],
      ],
    );
    assert.deepEqual(
      crops[0]?.data,
      cropRgb(full, { left: 0, top: 0, width: 64, height: 64 }).data,
    );
    assert.deepEqual(
      crops[2]?.data,
      cropRgb(full, { left: 200, top: 10, width: 64, height: 64 }).data,
    );
    // The 200x100 box is 100x50 at half size: from the scaled decode, padded above and below.
    assert.deepEqual([...(crops[1]?.data.subarray(0, 3) ?? [])], [114, 114, 114]);
  });

  it('uses the full decode for every box without a scaled decode', async () => {
    const crops = await cropBoxesFromDecodes(
      [{ xMin: 8, yMin: 8, xMax: 72, yMax: 72 }],
      undefined,
      () => Promise.resolve(full),
      INPUT,
    );
    assert.deepEqual(
      crops[0]?.data,
      cropRgb(full, { left: 8, top: 8, width: 64, height: 64 }).data,
    );
  });

  it('fails with the full decode when a box needs it and it fails', async () => {
    await assert.rejects(
      cropBoxesFromDecodes(
        [{ xMin: 0, yMin: 0, xMax: 10, yMax: 10 }],
        scaled,
        () => Promise.reject(new Error('truncated')),
        INPUT,
      ),
      /truncated/,
    );
  });
});

describe('halveImage', () => {
  it('averages each 2x2 block (rounded half up) and drops an odd last row and column', () => {
    // 3x3 image, one channel value per pixel repeated over R, G, B.
    const values = [0, 1, 9, 2, 4, 9, 9, 9, 9];
    const image = {
      data: new Uint8Array(values.flatMap((v) => [v, v * 2, 255 - v])),
      width: 3,
      height: 3,
    };
    const half = halveImage(image);
    assert.deepEqual([half.width, half.height], [1, 1]);
    // (0 + 1 + 2 + 4 + 2) >> 2 = 2; (0 + 2 + 4 + 8 + 2) >> 2 = 4; (255*4 - 7 + 2) >> 2 = 253.
    assert.deepEqual([...half.data], [2, 4, 253]);
  });
});

describe('halvingsFor', () => {
  it('halves while the square keeps the input side', () => {
    const rect = (side: number) => ({ left: 0, top: 0, width: side, height: 10 });
    assert.deepEqual(
      [63, 64, 127, 128, 255, 256, 1000].map((side) => halvingsFor(rect(side), INPUT)),
      [0, 0, 0, 1, 1, 2, 3],
    );
  });
});

describe('cropBoxesFromDecodes: halvings', () => {
  it('cuts a large box from the halving of the full decode where it keeps the input size', async () => {
    const full = gradient(400, 300, 3);
    // 256x256 at full size: 128 px at the first halving, 64 at the second (the input side).
    const box = { xMin: 40, yMin: 20, xMax: 296, yMax: 276 };
    const crops = await cropBoxesFromDecodes([box], undefined, () => Promise.resolve(full), INPUT);
    const quarter = halveImage(halveImage(full));
    const expected = cropRgb(quarter, { left: 10, top: 5, width: 64, height: 64 });
    assert.deepEqual(crops[0]?.data, expected.data);
  });

  it("halves the detector's decode for a box large there, without the full decode", async () => {
    const scaled = { image: gradient(200, 150, 4), source: { width: 400, height: 300 } };
    // 256 px at full size is 128 in the detector's decode: its first halving, at 64 px.
    const box = { xMin: 40, yMin: 20, xMax: 296, yMax: 276 };
    const crops = await cropBoxesFromDecodes(
      [box],
      scaled,
      () => Promise.reject(new Error('no full decode expected')),
      INPUT,
    );
    const expected = cropRgb(halveImage(scaled.image), {
      left: 10,
      top: 5,
      width: 64,
      height: 64,
    });
    assert.deepEqual(crops[0]?.data, expected.data);
  });
});

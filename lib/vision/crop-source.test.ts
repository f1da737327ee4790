import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  halvingsFor,
  keepsInputSize,
  levelPixels,
  levelSize,
  scaledPixelRect,
} from './crop-source.js';
import { cropBoxesFromDecodes } from './model-input.js';
import { cropRgb } from './crop.js';
import type { PixelInputSpec } from './model-input.js';
import { positionalGradient } from '../../test/support/images.js';

const INPUT: PixelInputSpec = {
  width: 64,
  height: 64,
  padValue: [114, 114, 114],
  kernel: 'linear',
};

describe('scaledPixelRect', () => {
  it('scales the box per axis by the decode size over the photo size, then rounds half to even', () => {
    const scaled = { image: positionalGradient(320, 240), source: { width: 1280, height: 960 } };
    // x: 10*0.25 = 2.5 -> 2, 270*0.25 = 67.5 -> 68; y: 6*0.25 = 1.5 -> 2, 262*0.25 = 65.5 -> 66.
    assert.deepEqual(scaledPixelRect({ xMin: 10, yMin: 6, xMax: 270, yMax: 262 }, scaled), {
      left: 2,
      top: 2,
      width: 66,
      height: 64,
    });
  });

  it('clamps to the scaled image', () => {
    const scaled = { image: positionalGradient(100, 50), source: { width: 200, height: 100 } };
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
  const full = positionalGradient(400, 300, 1);
  const scaled = { image: positionalGradient(200, 150, 2), source: { width: 400, height: 300 } };

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

describe('levelPixels', () => {
  // 5x3 image, one value per pixel (R = v, G = 2v, B = 255 - v).
  const values = [0, 1, 9, 7, 100, 2, 4, 9, 7, 100, 50, 50, 50, 50, 50];
  const image = {
    data: new Uint8Array(values.flatMap((v) => [v, v * 2, 255 - v])),
    width: 5,
    height: 3,
  };

  it('averages each 2x2 block (rounded half up) and drops a partial last row and column', () => {
    assert.deepEqual(levelSize(image, 1), { width: 2, height: 1 });
    const level = levelPixels(image, 1, { left: 0, top: 0, width: 2, height: 1 });
    // Block 0: 0, 1, 2, 4 (sum 7, mean 1.75) -> 2; block 1: 9, 7, 9, 7 -> 8.
    assert.deepEqual(
      [...level.data],
      [(0 + 1 + 2 + 4 + 2) >> 2, (0 + 2 + 4 + 8 + 2) >> 2, (255 * 4 - 7 + 2) >> 2, 8, 16, 247],
    );
  });

  it('gives a region the same pixels as the whole level', () => {
    const big = positionalGradient(64, 48, 9);
    const whole = levelPixels(big, 2, { left: 0, top: 0, ...levelSize(big, 2) });
    const region = levelPixels(big, 2, { left: 3, top: 2, width: 5, height: 4 });
    assert.deepEqual(region.data, cropRgb(whole, { left: 3, top: 2, width: 5, height: 4 }).data);
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

describe('cropBoxesFromDecodes: levels', () => {
  const full = positionalGradient(400, 300, 3);
  const quarter = levelPixels(full, 2, { left: 0, top: 0, ...levelSize(full, 2) });
  // 256x256 at full size: 64 px (the input side) at level 2.
  const box = { xMin: 40, yMin: 20, xMax: 296, yMax: 276 };
  const expected = cropRgb(quarter, { left: 10, top: 5, width: 64, height: 64 });

  it('cuts a large box from the level of the full decode where it keeps the input size', async () => {
    const crops = await cropBoxesFromDecodes([box], undefined, () => Promise.resolve(full), INPUT);
    assert.deepEqual(crops[0]?.data, expected.data);
  });

  it('gives the same crops when the boxes cover the level and it is made whole', async () => {
    const many = Array.from({ length: 12 }, () => box);
    const crops = await cropBoxesFromDecodes(many, undefined, () => Promise.resolve(full), INPUT);
    for (const crop of crops) assert.deepEqual(crop.data, expected.data);
  });

  it("uses a level of the detector's decode for a box large there, without the full decode", async () => {
    const scaled = { image: positionalGradient(200, 150, 4), source: { width: 400, height: 300 } };
    // 256 px at full size is 128 in the detector's decode: 64 px at its level 1.
    const crops = await cropBoxesFromDecodes(
      [box],
      scaled,
      () => Promise.reject(new Error('no full decode expected')),
      INPUT,
    );
    const half = levelPixels(scaled.image, 1, { left: 10, top: 5, width: 64, height: 64 });
    assert.deepEqual(crops[0]?.data, half.data);
  });

  it('decodes nothing for no boxes', async () => {
    const crops = await cropBoxesFromDecodes(
      [],
      undefined,
      () => Promise.reject(new Error('no')),
      INPUT,
    );
    assert.deepEqual(crops, []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageInputSpec } from '../model-card/index.js';
import { filledImage, placeInto, placeOnCanvas } from './canvas.js';
import { paddingTensor, placedImagesTensor, toInputTensor } from './tensor.js';

const input: ImageInputSpec = {
  name: 'x',
  width: 2,
  height: 1,
  kernel: 'linear',
  padValue: [0, 0, 0],
  normalization: { scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] },
};

describe('toInputTensor', () => {
  it("concatenates the images' pixels in NHWC order, unchanged", () => {
    const first = { width: 2, height: 1, data: Uint8Array.from([0, 255, 51, 255, 0, 102]) };
    const second = { width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) };
    assert.deepEqual(
      Array.from(toInputTensor([first, second], input)),
      [0, 255, 51, 255, 0, 102, 255, 255, 255, 0, 0, 0],
    );
  });

  it("hands a single image's own buffer over without copying it", () => {
    const only = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    assert.equal(toInputTensor([only], input), only.data);
  });

  it('refuses images of the wrong size', () => {
    assert.throws(
      () => toInputTensor([{ width: 1, height: 1, data: new Uint8Array(3) }], input),
      /1x1/,
    );
  });
});

describe('placedImagesTensor', () => {
  it('places each image on its own padded item of an [N, H, W, 3] tensor', () => {
    const model: ImageInputSpec = { ...input, width: 3, height: 2, padValue: [10, 20, 30] };
    const a = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 9) };
    const b = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const tensor = placedImagesTensor(
      [
        { image: a, left: 0, top: 0 },
        { image: b, left: 1, top: 1 },
      ],
      model,
    );
    const pad = [10, 20, 30];
    assert.deepEqual(Array.from(tensor), [
      ...a.data,
      ...pad,
      ...pad,
      ...pad,
      ...pad,
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
  });

  it('equals placeOnCanvas per item, and refuses an image that does not fit', () => {
    const model: ImageInputSpec = { ...input, width: 5, height: 4, padValue: [114, 114, 114] };
    const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    assert.deepEqual(
      placedImagesTensor([{ image, left: 1, top: 2 }], model),
      placeOnCanvas(image, model, 1, 2, model.padValue).data,
    );
    assert.throws(() => placedImagesTensor([{ image, left: 3, top: 0 }], model), /does not fit/);
  });
});

describe('paddingTensor', () => {
  it('is one full-size image of padding, placed at the origin', () => {
    const model: ImageInputSpec = { ...input, width: 3, height: 2, padValue: [1, 2, 3] };
    const padding = paddingTensor(model);
    assert.deepEqual(padding.images, [{ offset: 0, width: 3, height: 2, left: 0, top: 0 }]);
    assert.deepEqual(
      Array.from(padding.pixels),
      [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],
    );
  });
});

describe('placeInto', () => {
  it('overwrites every pixel of a reused target: padding above and below a full-width image', () => {
    const target = new Uint8Array(2 * 3 * 3).fill(255);
    placeInto(
      target,
      { width: 2, height: 3 },
      { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) },
      0,
      1,
      [7, 8, 9],
    );
    assert.deepEqual(Array.from(target), [7, 8, 9, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9]);
  });

  it('refuses a target of the wrong length', () => {
    assert.throws(() => {
      placeInto(
        new Uint8Array(5),
        { width: 2, height: 1 },
        { width: 1, height: 1, data: new Uint8Array(3) },
        0,
        0,
        [0, 0, 0],
      );
    }, /5 bytes/);
  });
});

describe('filledImage and placeOnCanvas', () => {
  const perPixel = (width: number, height: number, fill: readonly number[]) =>
    Uint8Array.from({ length: width * height * 3 }, (_, i) => fill[i % 3] ?? 0);

  it('fills every pixel, grey or not, for any size', () => {
    for (const fill of [
      [114, 114, 114],
      [1, 2, 3],
    ] as const) {
      for (const [w, h] of [
        [1, 1],
        [3, 1],
        [5, 7],
        [0, 0],
      ] as const) {
        assert.deepEqual(filledImage({ width: w, height: h }, fill).data, perPixel(w, h, fill));
      }
    }
  });

  it('places full-width and narrower images exactly', () => {
    const fill = [9, 8, 7] as const;
    const wide = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i + 100) };
    const placed = placeOnCanvas(wide, { width: 4, height: 4 }, 0, 1, fill);
    const expected = perPixel(4, 4, fill);
    expected.set(wide.data, 12);
    assert.deepEqual(placed.data, expected);
    const narrow = { width: 1, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const canvas = placeOnCanvas(narrow, { width: 3, height: 2 }, 1, 0, fill).data;
    assert.deepEqual(Array.from(canvas), [9, 8, 7, 1, 2, 3, 9, 8, 7, 9, 8, 7, 4, 5, 6, 9, 8, 7]);
  });
});

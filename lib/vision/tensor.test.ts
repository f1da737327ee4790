import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageInputSpec } from '../model-card/index.js';
import { filledImage, placeOnCanvas } from './canvas.js';
import { paddingTensor, placedImagesTensor, placedNchwTensor, toNchwTensor } from './tensor.js';

const input: ImageInputSpec = {
  name: 'x',
  width: 2,
  height: 1,
  kernel: 'linear',
  padValue: [0, 0, 0],
  normalization: { scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] },
};

describe('toNchwTensor', () => {
  it('lays out channel planes per image and normalises with the card formula', () => {
    const first = { width: 2, height: 1, data: Uint8Array.from([0, 255, 51, 255, 0, 102]) };
    const second = { width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) };
    const expected = [
      // image 0: R plane, G plane, B plane
      -1, 1, 3, -1, 0.1, 0.2,
      // image 1
      1, -1, 3, -1, 0.5, 0,
    ].map((v) => Math.fround(v));
    const tensor = toNchwTensor([first, second], input);
    assert.equal(tensor.length, 12);
    Array.from(tensor).forEach((value, i) => {
      assert.ok(
        Math.abs(value - (expected[i] ?? NaN)) < 1e-6,
        `index ${i}: ${value} != ${expected[i]}`,
      );
    });
  });

  it('refuses images of the wrong size', () => {
    assert.throws(
      () => toNchwTensor([{ width: 1, height: 1, data: new Uint8Array(3) }], input),
      /1x1/,
    );
  });
});

describe('placedNchwTensor', () => {
  const model: ImageInputSpec = { ...input, width: 5, height: 4, padValue: [114, 114, 114] };
  const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };

  it('equals placing the image on a padded canvas, then normalising (exactly)', () => {
    const viaCanvas = toNchwTensor([placeOnCanvas(image, model, 1, 2, model.padValue)], model);
    assert.deepEqual(placedNchwTensor(image, model, 1, 2), viaCanvas);
  });

  it('is all padding for an empty image (the warm-up input), and refuses what does not fit', () => {
    const padding = paddingTensor(model);
    assert.deepEqual(padding.dims, [1, 3, 4, 5]);
    assert.deepEqual(
      padding.data,
      toNchwTensor(
        [
          placeOnCanvas(
            { ...image, width: 0, height: 0, data: new Uint8Array(0) },
            model,
            0,
            0,
            model.padValue,
          ),
        ],
        model,
      ),
    );
    assert.throws(() => placedNchwTensor(image, model, 3, 0), /does not fit/);
  });
});

describe('placedImagesTensor', () => {
  it('places each image on its own padded item of an [N, 3, H, W] tensor', () => {
    const model: ImageInputSpec = { ...input, width: 3, height: 3, padValue: [10, 20, 30] };
    const a = { width: 3, height: 3, data: Uint8Array.from({ length: 27 }, (_, i) => i * 9) };
    const b = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const tensor = placedImagesTensor(
      [
        { image: a, left: 0, top: 0 },
        { image: b, left: 1, top: 2 },
      ],
      model,
    );
    const expected = toNchwTensor([a, placeOnCanvas(b, model, 1, 2, model.padValue)], model);
    assert.deepEqual(tensor, expected);
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

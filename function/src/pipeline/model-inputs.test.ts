import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boxToPixelRect,
  cropRgb,
  letterboxGeometry,
  type PixelInputSpec,
} from '../../../lib/vision/index.js';
import { cropsForClassifier, letterboxedImage } from './model-inputs.js';
import { positionalGradient } from '../../../test/support/images.js';

const DETECTOR: PixelInputSpec = {
  width: 320,
  height: 320,
  padValue: [114, 114, 114],
  kernel: 'linear',
};
const CLASSIFIER: PixelInputSpec = {
  width: 128,
  height: 128,
  padValue: [114, 114, 114],
  kernel: 'linear',
};

describe('letterboxedImage', () => {
  it('sends the pixels with the letterbox geometry of the photo', () => {
    const pixels = positionalGradient(320, 320);
    const geometry = letterboxGeometry({ width: 1280, height: 960 }, DETECTOR);
    const { pixels: sent, letterbox } = letterboxedImage(pixels, geometry);
    assert.deepEqual([sent?.width, sent?.height], [320, 320]);
    assert.ok(sent?.rgb.equals(Buffer.from(pixels.data)));
    assert.deepEqual(letterbox, {
      originalSize: { width: 1280, height: 960 },
      scale: 0.25,
      offsetX: 0,
      offsetY: 40,
    });
  });
});

describe('cropsForClassifier', () => {
  it('cuts each box (rounded edges) padded to a square at the input size', async () => {
    const image = positionalGradient(640, 480);
    const boxes = [
      { xMin: 10.4, yMin: 20.6, xMax: 300.2, yMax: 90.5 },
      { xMin: 100, yMin: 100, xMax: 228, yMax: 228 },
    ];
    const crops = await cropsForClassifier(
      boxes,
      undefined,
      () => Promise.resolve(image),
      CLASSIFIER,
    );
    assert.deepEqual(
      crops.map((c) => [c.width, c.height, c.rgb.length]),
      [
        [128, 128, 128 * 128 * 3],
        [128, 128, 128 * 128 * 3],
      ],
    );
    // A 128x128 box is the input already: its pixels go as they are.
    const rect = boxToPixelRect(boxes[1] as (typeof boxes)[1], image);
    assert.ok(Buffer.from(cropRgb(image, rect).data).equals(crops[1]?.rgb ?? Buffer.alloc(0)));
    // The 290x70 box is padded above and below: the first row is padding.
    assert.deepEqual([...(crops[0]?.rgb.subarray(0, 3) ?? [])], [114, 114, 114]);
  });

  it('cuts a box that keeps the input size in the detector decode from it', async () => {
    const scaled = { image: positionalGradient(320, 240), source: { width: 1280, height: 960 } };
    const crops = await cropsForClassifier(
      [{ xMin: 400, yMin: 200, xMax: 912, yMax: 712 }],
      scaled,
      () => Promise.reject(new Error('no full decode expected')),
      CLASSIFIER,
    );
    const expected = cropRgb(scaled.image, { left: 100, top: 50, width: 128, height: 128 });
    assert.ok(Buffer.from(expected.data).equals(crops[0]?.rgb ?? Buffer.alloc(0)));
  });
});

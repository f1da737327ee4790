import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadClassifierCard, loadDetectorCard } from '../model-card/index.js';
import { solidImage } from '../../test/support/images.js';
import { repoPath } from '../../test/support/paths.js';
import { cropBoxesToModelInput } from './classifier-pipeline.js';
import { decodeScaledForLetterbox } from './detector-pipeline.js';
import { letterboxTensor, postprocessDetections } from './detections.js';
import { letterboxGeometry } from './letterbox.js';
import type { RgbImage } from './types.js';

const detectorCard = await loadDetectorCard(repoPath('models/detector.json'));
const classifierCard = await loadClassifierCard(repoPath('models/classifier.json'));
const limits = { maxPixels: 50_000_000 };

function solidRgb(width: number, height: number, value: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

describe('detector preprocessing', () => {
  it('letterboxes with padding from the card into the [1, H, W, 3] uint8 input', async () => {
    const { width, height, padValue } = detectorCard.input;
    const png = await solidImage(width * 2, height, 'png', { r: 200, g: 200, b: 200 });
    const input = letterboxTensor(
      await decodeScaledForLetterbox(png, detectorCard.input, limits),
      detectorCard.input,
    );
    assert.deepEqual(input.dims, [1, height, width, 3]);
    assert.equal(input.tensor.length, width * height * 3);
    assert.equal(input.geometry.offsetY, Math.floor((height - height / 2) / 2));
    assert.deepEqual(Array.from(input.tensor.subarray(0, 3)), [...padValue], 'top-left is padding');
    const centre = ((height / 2) * width + width / 2) * 3;
    assert.deepEqual(Array.from(input.tensor.subarray(centre, centre + 3)), [200, 200, 200]);
    const last = input.tensor.length - 3;
    assert.deepEqual(Array.from(input.tensor.subarray(last)), [...padValue], 'bottom is padding');
  });
});

describe('postprocessDetections', () => {
  it('turns one confident head row into a box in original pixels', () => {
    const rows = detectorCard.output.levels.reduce((n, l) => n + l.gridWidth * l.gridHeight, 0);
    const head = new Float32Array(rows * 5);
    for (let row = 0; row < rows; row++) head[row * 5 + 4] = -20;
    const level = detectorCard.output.levels[0];
    assert.ok(level);
    const [gx, gy] = [2, 8];
    const row = gy * level.gridWidth + gx;
    head.set([0.5, 0.5, 0, 0, 5], row * 5);
    const geometry = letterboxGeometry({ width: 1280, height: 640 }, detectorCard.input);
    const found = postprocessDetections(head, detectorCard, geometry, {
      minConfidence: 0.5,
      iou: 0.5,
      maxDetections: 10,
    });
    assert.equal(found.length, 1);
    const s = level.stride;
    const cx = (gx + 0.5) * s;
    const cy = (gy + 0.5) * s;
    const toOriginal = (v: number, offset: number) => (v - offset) / geometry.scale;
    assert.deepEqual(found[0]?.box, {
      xMin: toOriginal(cx - s / 2, geometry.offsetX),
      yMin: toOriginal(cy - s / 2, geometry.offsetY),
      xMax: toOriginal(cx + s / 2, geometry.offsetX),
      yMax: toOriginal(cy + s / 2, geometry.offsetY),
    });
  });
});

describe('classifier preprocessing', () => {
  it('brings each box, clipped to the image, to the model input size, padded to a centred square', async () => {
    // 100x50 image of grey 80; box 0 is 30x10, box 1 is clipped to the whole 100x50 image.
    const image = solidRgb(100, 50, 80);
    const { width, height, padValue } = classifierCard.input;
    const prepared = await cropBoxesToModelInput(
      image,
      [
        { xMin: 10, yMin: 10, xMax: 40, yMax: 20 },
        { xMin: -10, yMin: -10, xMax: 500, yMax: 500 },
      ],
      classifierCard.input,
    );
    const pixel = (img: RgbImage, x: number, y: number) =>
      Array.from(img.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    for (const crop of prepared) {
      assert.deepEqual([crop.width, crop.height], [width, height]);
      assert.deepEqual(pixel(crop, 0, 0), [...padValue], 'corner is padding');
      assert.deepEqual(pixel(crop, width / 2, height / 2), [80, 80, 80]);
    }
    // The clipped 100x50 region fills the square's width: its middle row is image, edge to edge.
    assert.deepEqual(pixel(prepared[1] as RgbImage, 0, height / 2), [80, 80, 80]);
  });

  it('names the first unusable box', async () => {
    await assert.rejects(
      () =>
        cropBoxesToModelInput(
          solidRgb(10, 10, 0),
          [
            { xMin: 0, yMin: 0, xMax: 5, yMax: 5 },
            { xMin: 20, yMin: 0, xMax: 30, yMax: 5 },
          ],
          classifierCard.input,
        ),
      /box 1 .* outside/,
    );
  });
});

describe('postprocessDetections on boxes outside the image', () => {
  it('drops boxes that are empty once clamped', () => {
    const rows = detectorCard.output.levels.reduce((n, l) => n + l.gridWidth * l.gridHeight, 0);
    const head = new Float32Array(rows * 5);
    for (let row = 0; row < rows; row++) head[row * 5 + 4] = -20;
    // first cell: a small box centred in the top padding band of a wide image
    head.set([0.5, 0.5, -2, -2, 5], 0);
    const geometry = letterboxGeometry({ width: 1280, height: 320 }, detectorCard.input);
    assert.ok(geometry.offsetY > (detectorCard.output.levels[0]?.stride ?? Infinity));
    const found = postprocessDetections(head, detectorCard, geometry, {
      minConfidence: 0.5,
      iou: 0.5,
      maxDetections: 10,
    });
    assert.deepEqual(found, []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  boxesInOriginalFrame,
  fitWithin,
  prepareDetectorInput,
  rescaleBox,
} from './model-inputs.js';

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

async function photo(width: number, height: number) {
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#fdd835' } })
    .jpeg()
    .toBuffer();
  return { bytes, image: { data: new Uint8Array(width * height * 3), width, height } };
}

describe('prepareDetectorInput', () => {
  it('sends a photo up to 1600 px as received', async () => {
    const { bytes, image } = await photo(1600, 1200);
    const input = await prepareDetectorInput(bytes, image, new Promise(() => undefined));
    assert.equal(input.bytes, bytes, 'sent at once, without waiting for the decode');
    assert.deepEqual(input.size, { width: 1600, height: 1200 });
  });

  it('sends a larger photo as a 1024 px JPEG and maps its boxes back', async () => {
    const { bytes, image } = await photo(4000, 3000);
    const input = await prepareDetectorInput(bytes, image, Promise.resolve(image));
    assert.deepEqual(input.size, { width: 1024, height: 768 });
    const metadata = await sharp(input.bytes).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['jpeg', 1024, 768]);
    const [box] = boxesInOriginalFrame(
      [{ xMin: 256, yMin: 192, xMax: 1024, yMax: 768 }],
      input,
      image,
    );
    assert.deepEqual(box, { xMin: 1000, yMin: 750, xMax: 4000, yMax: 3000 });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { boxesInOriginalFrame, prepareDetectorInput } from './detector-input.js';

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

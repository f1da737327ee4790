import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeLetterboxed } from './detector-pipeline.js';
import { cropPaddedToSquare, cropToModelInput, type PixelInputSpec } from './model-input.js';
import type { RgbImage } from './types.js';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + Math.floor(i / (width * 3)) * 13) % 256;
  return { data, width, height };
}

const raw = (image: RgbImage) =>
  sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });

const INPUT: PixelInputSpec = { width: 96, height: 64, padValue: [114, 100, 90], kernel: 'linear' };

describe('decodeLetterboxed', () => {
  it('decodes at the letterboxed size and pads with the pad value, centred', async () => {
    const image = gradient(300, 500);
    const png = await raw(image).png().toBuffer();
    const { image: here, geometry } = await decodeLetterboxed(png, INPUT, { maxPixels: 1e8 });
    // 300x500 into 96x64: scale 0.128, 38x64 placed floor((96 - 38) / 2) = 29 columns in.
    assert.deepEqual(
      [geometry.resized.width, geometry.resized.height, geometry.offsetX, geometry.offsetY],
      [38, 64, 29, 0],
    );
    const resized = await raw(image)
      .resize(38, 64, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    assert.deepEqual([here.width, here.height], [96, 64]);
    for (let y = 0; y < 64; y++) {
      const row = here.data.subarray(y * 96 * 3, (y + 1) * 96 * 3);
      assert.deepEqual([...row.subarray(0, 3)], [114, 100, 90], 'left padding');
      assert.deepEqual([...row.subarray(-3)], [114, 100, 90], 'right padding');
      const photoRow = resized.subarray(y * 38 * 3, (y + 1) * 38 * 3);
      assert.ok(Buffer.from(row.subarray(29 * 3, (29 + 38) * 3)).equals(photoRow), `row ${y}`);
    }
  });
});

describe('cropPaddedToSquare', () => {
  it('centres the rectangle on a square of the fill colour', () => {
    const image = gradient(5, 4);
    const square = cropPaddedToSquare(image, { left: 1, top: 1, width: 3, height: 2 }, [1, 2, 3]);
    assert.deepEqual([square.width, square.height], [3, 3]);
    const row = (y: number) => [...image.data.subarray((y * 5 + 1) * 3, (y * 5 + 4) * 3)];
    assert.deepEqual([...square.data], [...row(1), ...row(2), 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });
});

describe('cropToModelInput', () => {
  it('equals padding the crop to a square, then resizing it (two separate steps)', async () => {
    const image = gradient(200, 150);
    const rect = { left: 20, top: 30, width: 120, height: 50 };
    const cut = await raw(image).extract(rect).raw().toBuffer();
    const padded = await sharp(cut, { raw: { width: 120, height: 50, channels: 3 } })
      .extend({ top: 35, bottom: 35, background: { r: 114, g: 100, b: 90 } })
      .raw()
      .toBuffer();
    const expected = await sharp(padded, { raw: { width: 120, height: 120, channels: 3 } })
      .resize(96, 64, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    const crop = await cropToModelInput(image, rect, INPUT);
    assert.deepEqual([crop.width, crop.height], [96, 64]);
    assert.ok(Buffer.from(crop.data).equals(expected));
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeLetterboxed } from './detector-pipeline.js';
import type { PixelRect } from './crop.js';
import { cropPaddedToSquare, cropToModelInput, type PixelInputSpec } from './model-input.js';
import type { RgbImage } from './types.js';
import { positionalGradient } from '../../test/support/images.js';

const raw = (image: RgbImage) =>
  sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });

const INPUT: PixelInputSpec = { width: 96, height: 64, padValue: [114, 100, 90], kernel: 'linear' };

describe('decodeLetterboxed', () => {
  it('decodes at the letterboxed size and pads with the pad value, centred', async () => {
    const image = positionalGradient(300, 500);
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
    const image = positionalGradient(5, 4);
    const square = cropPaddedToSquare(image, { left: 1, top: 1, width: 3, height: 2 }, [1, 2, 3]);
    assert.deepEqual([square.width, square.height], [3, 3]);
    const row = (y: number) => [...image.data.subarray((y * 5 + 1) * 3, (y * 5 + 4) * 3)];
    assert.deepEqual([...square.data], [...row(1), ...row(2), 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('puts the odd column of padding on the right: offset floor((side - width) / 2)', () => {
    const image = positionalGradient(6, 5);
    // 2 wide, 5 high: a 5x5 square with 3 columns of padding, 1 on the left and 2 on the right.
    const square = cropPaddedToSquare(image, { left: 3, top: 0, width: 2, height: 5 }, [1, 2, 3]);
    assert.deepEqual([square.width, square.height], [5, 5]);
    const pixel = (x: number, y: number) => [
      ...image.data.subarray((y * 6 + x) * 3, (y * 6 + x + 1) * 3),
    ];
    const fill = [1, 2, 3];
    const expected = [0, 1, 2, 3, 4].flatMap((y) => [
      ...fill,
      ...pixel(3, y),
      ...pixel(4, y),
      ...fill,
      ...fill,
    ]);
    assert.deepEqual([...square.data], expected);
  });

  it('puts the odd row of padding at the bottom: offset floor((side - height) / 2)', () => {
    const image = positionalGradient(4, 6);
    // 4 wide, 1 high: a 4x4 square with 3 rows of padding, 1 above and 2 below.
    const square = cropPaddedToSquare(image, { left: 0, top: 2, width: 4, height: 1 }, [9, 8, 7]);
    const fillRow = [9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7];
    const row2 = [...image.data.subarray(2 * 4 * 3, 3 * 4 * 3)];
    assert.deepEqual([...square.data], [...fillRow, ...row2, ...fillRow, ...fillRow]);
  });
});

/** Pads a cut of `rect` to a centred square, then resizes it: two separate sharp steps. */
async function padThenResize(image: RgbImage, rect: PixelRect): Promise<Buffer> {
  const side = Math.max(rect.width, rect.height);
  const [left, top] = [(side - rect.width) >> 1, (side - rect.height) >> 1];
  const cut = await raw(image).extract(rect).raw().toBuffer();
  const padded = await sharp(cut, { raw: { width: rect.width, height: rect.height, channels: 3 } })
    .extend({
      left,
      top,
      right: side - rect.width - left,
      bottom: side - rect.height - top,
      background: { r: 114, g: 100, b: 90 },
    })
    .raw()
    .toBuffer();
  return sharp(padded, { raw: { width: side, height: side, channels: 3 } })
    .resize(96, 64, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
}

/** SHA-256 of Pillow's output (models/training/common.py: pad_to_square, then resize(BILINEAR)). */
const PILLOW_DIGESTS: [PixelRect, string][] = [
  [
    { left: 20, top: 30, width: 120, height: 50 },
    '8b6d50d6bb6ff11eb3b99946fcb37d37028552e09e1a00e444de1d7a2edd6bc8',
  ],
  // 61x120: 59 columns of padding (29 left, 30 right); 120x61: 59 rows (29 above, 30 below).
  [
    { left: 10, top: 5, width: 61, height: 120 },
    '4243000e04970c79198653fc3fe3ddbe609652d1ea9b9da18bade14e0ae92af5',
  ],
  [
    { left: 10, top: 5, width: 120, height: 61 },
    '1e8aa737903df614184ee67eae4e4cffa296e988e91650c95b27f6cc6c103f21',
  ],
  // Enlarged: 7 px to 96x64.
  [
    { left: 3, top: 4, width: 5, height: 7 },
    '9eff0f1f02994f3d26bbf5c05f2512b827700d98747cfb81ad2d899db052daec',
  ],
];

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('cropToModelInput', () => {
  it("equals the training code's Pillow pad-to-square and BILINEAR resize, byte for byte", async () => {
    const image = positionalGradient(200, 150);
    for (const [rect, digest] of PILLOW_DIGESTS) {
      const crop = await cropToModelInput(image, rect, INPUT);
      assert.deepEqual([crop.width, crop.height], [96, 64]);
      assert.equal(sha256(crop.data), digest, JSON.stringify(rect));
    }
  });

  it('resizes squares above 3x the input side with sharp, as padding then resizing would', async () => {
    const image = positionalGradient(400, 350);
    const rect = { left: 20, top: 30, width: 330, height: 300 };
    const crop = await cropToModelInput(image, rect, INPUT);
    assert.ok(Buffer.from(crop.data).equals(await padThenResize(image, rect)));
  });

  it('pads an odd padding the same way when the square is already at the input size', async () => {
    const image = positionalGradient(100, 100);
    const spec: PixelInputSpec = { ...INPUT, width: 9, height: 9 };
    const crop = await cropToModelInput(image, { left: 20, top: 30, width: 6, height: 9 }, spec);
    const fill = [114, 100, 90];
    const pixel = (x: number, y: number) => [
      ...image.data.subarray((y * 100 + x) * 3, (y * 100 + x + 1) * 3),
    ];
    // 3 columns of padding: 1 on the left, 2 on the right.
    const expected = [...Array(9).keys()].flatMap((y) => [
      ...fill,
      ...[20, 21, 22, 23, 24, 25].flatMap((x) => pixel(x, 30 + y)),
      ...fill,
      ...fill,
    ]);
    assert.deepEqual([...crop.data], expected);
  });

  it('gives the same pixels when its square buffers are reused (large, then smaller, at once)', async () => {
    const image = positionalGradient(700, 600);
    // Squares above 3 x 96 px: sharp's path, which reuses its square buffers.
    const rects = [
      { left: 0, top: 0, width: 650, height: 590 },
      { left: 40, top: 10, width: 300, height: 400 },
      { left: 5, top: 200, width: 330, height: 290 },
      { left: 100, top: 50, width: 500, height: 500 },
    ];
    for (let round = 0; round < 2; round++) {
      const crops = await Promise.all(rects.map((rect) => cropToModelInput(image, rect, INPUT)));
      for (const [i, rect] of rects.entries()) {
        const expected = await padThenResize(image, rect);
        assert.ok(Buffer.from(crops[i]?.data ?? []).equals(expected), `round ${round} crop ${i}`);
      }
    }
  });
});

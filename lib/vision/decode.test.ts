import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { solidImage, twoToneJpeg } from '../../test/support/images.js';
import { decodeImage, decodeResized, readImageSize } from './decode.js';
import { assertSupportedImage, sniffImageFormat } from './image-format.js';
import { ImageInputError, libvipsReason, UnsupportedImageError } from './image-input-error.js';
import type { RgbImage } from './types.js';

const limits = { maxPixels: 1_000_000 };
const red = { r: 255, g: 0, b: 0 };
const blue = { r: 0, g: 0, b: 255 };

function pixel(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(at, at + 3));
}

function isInputError(pattern: RegExp) {
  return (error: unknown) => error instanceof ImageInputError && pattern.test(error.message);
}

describe('sniffImageFormat', () => {
  it('recognises formats by magic bytes', async () => {
    const create = sharp({ create: { width: 4, height: 4, channels: 3, background: red } });
    assert.equal(sniffImageFormat(await create.clone().jpeg().toBuffer()), 'jpeg');
    assert.equal(sniffImageFormat(await create.clone().png().toBuffer()), 'png');
    assert.equal(sniffImageFormat(await create.clone().webp().toBuffer()), 'webp');
    assert.equal(sniffImageFormat(await create.clone().gif().toBuffer()), 'gif');
    assert.equal(sniffImageFormat(await create.clone().tiff().toBuffer()), 'tiff');
    const heic = Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1');
    assert.equal(sniffImageFormat(heic), 'heif');
    assert.equal(
      sniffImageFormat(Buffer.from('\uFEFF  <svg xmlns="http://www.w3.org/2000/svg"/>')),
      'svg',
    );
    assert.equal(sniffImageFormat(Buffer.from('hello')), undefined);
  });
});

describe('assertSupportedImage', () => {
  it('refuses empty, unknown and unsupported bytes with a clear message', async () => {
    assert.throws(
      () => assertSupportedImage(Buffer.alloc(0)),
      isInputError(/image is empty \(0 bytes\)/),
    );
    assert.throws(
      () => assertSupportedImage(Buffer.from('not an image')),
      isInputError(/not a JPEG, PNG or WebP image/),
    );
    const gif = await sharp({ create: { width: 2, height: 2, channels: 3, background: red } })
      .gif()
      .toBuffer();
    assert.throws(
      () => assertSupportedImage(gif, 'crop 2'),
      isInputError(/crop 2 is GIF, which is not supported/),
    );
    assert.throws(() => assertSupportedImage(Buffer.from('<svg/>')), isInputError(/SVG/));
  });

  it('says which unsupported format it found, and none for unknown bytes', async () => {
    const gif = await sharp({ create: { width: 2, height: 2, channels: 3, background: red } })
      .gif()
      .toBuffer();
    const formatOf = (bytes: Buffer) => {
      try {
        assertSupportedImage(bytes);
      } catch (error) {
        assert.ok(error instanceof UnsupportedImageError, String(error));
        return error.format;
      }
      assert.fail('accepted');
    };
    assert.equal(formatOf(gif), 'gif');
    assert.equal(formatOf(Buffer.from('not an image')), undefined);
    assert.throws(
      () => assertSupportedImage(Buffer.alloc(0)),
      (error) => !(error instanceof UnsupportedImageError),
      'empty is an input error, not a format',
    );
  });
});

describe('readImageSize', () => {
  it('reports the size after EXIF orientation', async () => {
    const rotated = await twoToneJpeg(40, 20, red, blue, 6);
    assert.deepEqual(await readImageSize(rotated, limits), { width: 20, height: 40 });
  });

  it('refuses images above the pixel limit, naming the size', async () => {
    const big = await solidImage(1001, 1000);
    await assert.rejects(
      readImageSize(big, limits),
      isInputError(/1001x1000 = 1001000 pixels, above the limit of 1000000/),
    );
  });
});

describe('decodeImage', () => {
  it('applies the EXIF orientation before anything else', async () => {
    // orientation 6: rotate 90° clockwise to display, so the left half ends up on top
    const image = await decodeImage(await twoToneJpeg(40, 20, red, blue, 6), limits);
    assert.deepEqual([image.width, image.height], [20, 40]);
    const [topR, , topB] = pixel(image, 10, 5);
    const [bottomR, , bottomB] = pixel(image, 10, 35);
    assert.ok((topR ?? 0) > 200 && (topB ?? 255) < 60, 'top is red');
    assert.ok((bottomB ?? 0) > 200 && (bottomR ?? 255) < 60, 'bottom is blue');
  });

  it('returns 3 channels for greyscale and transparent images', async () => {
    const greyAlpha = await sharp({
      create: { width: 3, height: 2, channels: 4, background: { r: 90, g: 90, b: 90, alpha: 0.5 } },
    })
      .greyscale()
      .png()
      .toBuffer();
    const image = await decodeImage(greyAlpha, limits);
    assert.equal(image.data.length, 3 * 2 * 3);
  });

  it('refuses truncated data', async () => {
    const jpeg = await solidImage(200, 200, 'jpeg');
    await assert.rejects(
      decodeImage(jpeg.subarray(0, jpeg.length - 200), limits),
      isInputError(/truncated or corrupt/),
    );
    const png = await solidImage(200, 200, 'png');
    await assert.rejects(
      decodeImage(png.subarray(0, 60), limits),
      isInputError(/could not be (read|decoded)/),
    );
  });
});

describe('decodeResized', () => {
  it('decodes straight to the requested size', async () => {
    const image = await decodeResized(
      await solidImage(900, 600, 'jpeg'),
      { width: 30, height: 20 },
      'linear',
      limits,
    );
    assert.deepEqual([image.width, image.height, image.data.length], [30, 20, 1800]);
  });
});

describe('libvipsReason', () => {
  it('keeps each libvips warning once, on one line', () => {
    const error = new Error(
      'Input buffer has corrupt header: VipsJpeg: Bogus Huffman table definition VipsJpeg: Bogus Huffman table definition\nVipsJpeg: Bogus Huffman table definition',
    );
    assert.equal(
      libvipsReason(error),
      'Input buffer has corrupt header: VipsJpeg: Bogus Huffman table definition',
    );
  });
  it('leaves a plain message as it is', () => {
    assert.equal(libvipsReason(new Error('premature end')), 'premature end');
  });
});

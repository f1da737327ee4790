import sharp from 'sharp';
import { unprocessableImage, unsupportedMediaType } from '../errors.js';
import { RGB_CHANNELS, type DecodedImage } from './decoded-image.js';
import { SUPPORTED_FORMATS_TEXT, sniffImageFormat } from './sniff.js';

function assertSupportedFormat(bytes: Buffer): void {
  const sniffed = sniffImageFormat(bytes);
  if (sniffed.supported) return;
  if (sniffed.format === 'unknown') {
    throw unsupportedMediaType(`the body is not a ${SUPPORTED_FORMATS_TEXT} image`);
  }
  throw unsupportedMediaType(
    `${sniffed.format.toUpperCase()} images are not supported; send ${SUPPORTED_FORMATS_TEXT}`,
  );
}

async function assertPixelCountWithin(bytes: Buffer, maxPixels: number): Promise<void> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes).metadata());
  } catch (error) {
    throw unprocessableImage(`the image could not be read: ${(error as Error).message}`);
  }
  if (!width || !height) throw unprocessableImage('the image has no dimensions');
  if (width * height > maxPixels) {
    throw unprocessableImage(
      `the image has ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels}`,
    );
  }
}

/**
 * Decodes a JPEG/PNG/WebP photo exactly once into RGB pixels: 415 for other formats
 * (judged by magic bytes), 422 for truncated/corrupt data or too many pixels. EXIF
 * orientation is applied; transparency is flattened onto white.
 */
export async function decodePhoto(bytes: Buffer, maxPixels: number): Promise<DecodedImage> {
  assertSupportedFormat(bytes);
  await assertPixelCountWithin(bytes, maxPixels);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== RGB_CHANNELS) throw new Error(`decoded to ${info.channels} channels`);
    return { pixels: data, width: info.width, height: info.height };
  } catch (error) {
    throw unprocessableImage(`the image could not be decoded: ${(error as Error).message}`);
  }
}

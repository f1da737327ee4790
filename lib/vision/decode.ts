import sharp, { type Sharp } from 'sharp';
import type { ResizeKernel } from '../model-card/index.js';
import { assertSupportedImage } from './image-format.js';
import { ImageInputError, libvipsReason } from './image-input-error.js';
import { RGB_CHANNELS, type RgbImage, type Size } from './types.js';

export interface DecodeLimits {
  /** Images with more pixels are refused before decoding (decompression bombs). */
  maxPixels: number;
}

/**
 * Size of an encoded JPEG/PNG/WebP after EXIF orientation, read from its header only.
 * Throws ImageInputError for unsupported, unreadable or oversized images.
 * `what` names the input in error messages (e.g. "crop 3").
 */
export async function readImageSize(
  bytes: Uint8Array,
  limits: DecodeLimits,
  what = 'image',
): Promise<Size> {
  assertSupportedImage(bytes, what);
  let size: Size;
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    size = metadata.autoOrient;
  } catch (error) {
    throw new ImageInputError(`${what} could not be read: ${libvipsReason(error)}`);
  }
  const pixels = size.width * size.height;
  if (pixels > limits.maxPixels) {
    throw new ImageInputError(
      `${what} has ${size.width}x${size.height} = ${pixels} pixels, above the limit of ${limits.maxPixels}`,
    );
  }
  return size;
}

function orientedPipeline(bytes: Uint8Array, limits: DecodeLimits): Sharp {
  // Truncated or corrupt data makes the decode step fail (sharp's default failOn: 'warning').
  return sharp(bytes, { limitInputPixels: limits.maxPixels }).rotate();
}

async function toRgb(pipeline: Sharp, what: string): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== RGB_CHANNELS) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new ImageInputError(
      `${what} could not be decoded (truncated or corrupt): ${libvipsReason(error)}`,
    );
  }
}

/**
 * Decodes a JPEG/PNG/WebP to RGB at full resolution, EXIF orientation applied, alpha
 * dropped. Throws ImageInputError for anything the caller got wrong.
 */
export async function decodeImage(
  bytes: Uint8Array,
  limits: DecodeLimits,
  what = 'image',
): Promise<RgbImage> {
  await readImageSize(bytes, limits, what);
  return decodeOriented(bytes, limits, what);
}

/**
 * decodeImage without its header check, for bytes readImageSize has already accepted (the
 * pixel limit still holds: libvips refuses more than `maxPixels` before decoding).
 */
export function decodeOriented(
  bytes: Uint8Array,
  limits: DecodeLimits,
  what = 'image',
): Promise<RgbImage> {
  return toRgb(orientedPipeline(bytes, limits), what);
}

/**
 * Decodes straight to `size` (stretching, no aspect handling): JPEG and WebP shrink on
 * load, so a large photo is never decoded at full resolution. Call readImageSize first.
 */
export async function decodeResized(
  bytes: Uint8Array,
  size: Size,
  kernel: ResizeKernel,
  limits: DecodeLimits,
  what = 'image',
): Promise<RgbImage> {
  const pipeline = orientedPipeline(bytes, limits).resize(size.width, size.height, {
    fit: 'fill',
    kernel,
  });
  return toRgb(pipeline, what);
}

import {
  ImageInputError,
  SUPPORTED_FORMATS,
  decodeImage,
  readImageSize,
  sniffImageFormat,
  type RgbImage,
  type Size,
} from '../../../lib/vision/index.js';
import { badRequest, unprocessableImage, unsupportedMediaType } from '../errors.js';

const SUPPORTED_TEXT = 'JPEG, PNG or WebP';

/** 415 unless the magic bytes say JPEG, PNG or WebP (the declared Content-Type is not trusted). */
function assertSupportedFormat(bytes: Buffer): void {
  if (bytes.length === 0) throw badRequest('the image is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw unsupportedMediaType(`the body is not a ${SUPPORTED_TEXT} image`);
  }
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw unsupportedMediaType(
      `${format.toUpperCase()} images are not supported; send ${SUPPORTED_TEXT}`,
    );
  }
}

/** Bad image data (ImageInputError) becomes a 422 with the message on one line. */
async function as422<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    // sharp's messages span lines (one per libvips warning): keep them on one line.
    if (error instanceof ImageInputError) {
      throw unprocessableImage(error.message.replace(/\s+/g, ' ').trim());
    }
    throw error;
  }
}

/** The photo's size from its header (after EXIF orientation), with decodePhoto's 415/422 errors. */
export async function photoSize(bytes: Buffer, maxPixels: number): Promise<Size> {
  assertSupportedFormat(bytes);
  return as422(readImageSize(bytes, { maxPixels }, 'the image'));
}

/**
 * Decodes the photo exactly once into RGB (EXIF orientation applied): 415 for formats other
 * than JPEG/PNG/WebP, 422 for truncated or corrupt data and for more than `maxPixels` pixels.
 */
export async function decodePhoto(bytes: Buffer, maxPixels: number): Promise<RgbImage> {
  assertSupportedFormat(bytes);
  return as422(decodeImage(bytes, { maxPixels }, 'the image'));
}

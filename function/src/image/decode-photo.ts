import {
  ImageInputError,
  UnsupportedImageError,
  decodeLetterboxed,
  decodeOriented,
  readImageSize,
  type LetterboxGeometry,
  type PixelInputSpec,
  type RgbImage,
  type Size,
} from '../../../lib/vision/index.js';
import { badRequest, unprocessableImage, unsupportedMediaType } from '../errors.js';

const SUPPORTED_TEXT = 'JPEG, PNG or WebP';
const WHAT = 'the image';

/** A photo whose header has been read: its size, and its decodes still to come. */
export interface OpenedPhoto {
  /** After EXIF orientation. */
  size: Size;
  /** Decodes to RGB at full resolution, EXIF orientation applied. */
  decode(): Promise<RgbImage>;
  /**
   * Decodes straight to a model's letterboxed input (shrink-on-load: a fraction of the full
   * decode's cost), so that detection need not wait for the full-resolution pixels.
   */
  decodeLetterboxed(
    input: PixelInputSpec,
  ): Promise<{ image: RgbImage; geometry: LetterboxGeometry }>;
}

/**
 * lib/vision's input errors as answers: 415 for formats other than JPEG/PNG/WebP (the magic
 * bytes decide; the declared Content-Type is not trusted), 422 for truncated or corrupt data
 * and for more than the allowed pixels.
 */
async function withHttpStatus<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof UnsupportedImageError) {
      throw unsupportedMediaType(
        error.format === undefined
          ? `the body is not a ${SUPPORTED_TEXT} image`
          : `${error.format.toUpperCase()} images are not supported; send ${SUPPORTED_TEXT}`,
      );
    }
    // sharp's messages span lines (one per libvips warning): keep them on one line.
    if (error instanceof ImageInputError) {
      throw unprocessableImage(error.message.replace(/\s+/g, ' ').trim());
    }
    throw error;
  }
}

/** Checks the format and reads the size from the header (400 when empty, then 415 / 422). */
export async function openPhoto(bytes: Buffer, maxPixels: number): Promise<OpenedPhoto> {
  if (bytes.length === 0) throw badRequest('the image is empty (0 bytes)');
  const limits = { maxPixels };
  const size = await withHttpStatus(readImageSize(bytes, limits, WHAT));
  return {
    size,
    decode: () => withHttpStatus(decodeOriented(bytes, limits, WHAT)),
    decodeLetterboxed: (input) => withHttpStatus(decodeLetterboxed(bytes, input, limits, size)),
  };
}

/** openPhoto, then its decode: the photo decoded exactly once into RGB. */
export async function decodePhoto(bytes: Buffer, maxPixels: number): Promise<RgbImage> {
  return (await openPhoto(bytes, maxPixels)).decode();
}

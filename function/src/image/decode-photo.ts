import {
  decodeLetterboxed,
  decodeOriented,
  readImageSize,
  type LetterboxGeometry,
  type PixelInputSpec,
  type RgbImage,
  type Size,
} from '../../../lib/vision/index.js';

const WHAT = 'the image';

/** A photo whose header has been read: its size, and its decodes still to come. */
export interface OpenedPhoto {
  /** After EXIF orientation. */
  size: Size;
  /** Decodes to RGB at full resolution, EXIF orientation applied. */
  decode(): Promise<RgbImage>;
  /**
   * Decodes straight to a model's letterboxed input (shrink-on-load: a fraction of the full
   * decode's cost), so that detection need not wait for the full-resolution pixels; `scaled`
   * is the decode before padding.
   */
  decodeLetterboxed(
    input: PixelInputSpec,
  ): Promise<{ image: RgbImage; geometry: LetterboxGeometry; scaled: RgbImage }>;
}

/**
 * Checks the format and reads the size from the header; lib/vision's ImageInputError family
 * says what is wrong with the photo (empty, not JPEG/PNG/WebP, corrupt, too many pixels).
 */
export async function openPhoto(bytes: Buffer, maxPixels: number): Promise<OpenedPhoto> {
  const limits = { maxPixels };
  const size = await readImageSize(bytes, limits, WHAT);
  return {
    size,
    decode: () => decodeOriented(bytes, limits, WHAT),
    decodeLetterboxed: (input) => decodeLetterboxed(bytes, input, limits, size),
  };
}

/** openPhoto, then its decode: the photo decoded exactly once into RGB. */
export async function decodePhoto(bytes: Buffer, maxPixels: number): Promise<RgbImage> {
  return (await openPhoto(bytes, maxPixels)).decode();
}

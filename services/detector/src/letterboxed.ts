import type { LetterboxedImage } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { ImageInputSpec } from '../../../lib/model-card/index.js';
import {
  letterboxGeometry,
  RGB_CHANNELS,
  type LetterboxGeometry,
  type RgbImage,
} from '../../../lib/vision/index.js';

/** Pixels at the model's input size and where the original image lies in them. */
export interface ModelSizedImage {
  image: RgbImage;
  geometry: LetterboxGeometry;
}

/**
 * The geometry the caller describes. When it is what letterboxGeometry gives for the original
 * size (the scale as sent in float32), that exact geometry is used, so boxes map back exactly
 * as for an encoded image.
 */
function geometryOf(
  letterbox: NonNullable<LetterboxedImage['letterbox']>,
  target: { width: number; height: number },
): LetterboxGeometry {
  const { originalSize, scale, offsetX, offsetY } = letterbox;
  const width = originalSize?.width ?? 0;
  const height = originalSize?.height ?? 0;
  if (width < 1 || height < 1) {
    throw invalidArgument(
      `letterboxed.letterbox.original_size must be at least 1x1, got ${width}x${height}`,
    );
  }
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw invalidArgument(`letterboxed.letterbox.scale must be a finite number > 0, got ${scale}`);
  }
  const source = { width, height };
  const standard = letterboxGeometry(source, target);
  if (
    Math.fround(standard.scale) === scale &&
    standard.offsetX === offsetX &&
    standard.offsetY === offsetY
  ) {
    return standard;
  }
  const resized = {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
  if (offsetX + resized.width > target.width || offsetY + resized.height > target.height) {
    throw invalidArgument(
      `letterboxed.letterbox places the ${width}x${height} image scaled by ${scale} ` +
        `(${resized.width}x${resized.height}) at (${offsetX}, ${offsetY}), outside the ` +
        `${target.width}x${target.height} model input`,
    );
  }
  return { source, target, scale, resized, offsetX, offsetY };
}

/**
 * Checks a caller's letterboxed pixels: exactly the model input size (padding included) and
 * byte length, and a usable geometry. The pixels are used as they are (no copy, no resampling).
 */
export function modelSizedImageOf(
  letterboxed: LetterboxedImage,
  input: ImageInputSpec,
): ModelSizedImage {
  const { pixels, letterbox } = letterboxed;
  if (!pixels) throw invalidArgument('letterboxed.pixels is required');
  if (!letterbox) throw invalidArgument('letterboxed.letterbox is required');
  const { width, height, rgb } = pixels;
  if (width !== input.width || height !== input.height) {
    throw invalidArgument(
      `letterboxed.pixels is ${width}x${height}, but the detector's input is ` +
        `${input.width}x${input.height} (GetModelInfo): letterbox the image to that size`,
    );
  }
  const expected = width * height * RGB_CHANNELS;
  if (rgb.length !== expected) {
    throw invalidArgument(
      `letterboxed.pixels has ${rgb.length} bytes, but ${width}x${height} RGB needs ${expected}`,
    );
  }
  const target = { width: input.width, height: input.height };
  return { image: { data: rgb, width, height }, geometry: geometryOf(letterbox, target) };
}

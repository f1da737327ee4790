import { ImageInputError } from './image-input-error.js';
import { roundHalfEven } from './round.js';
import { RGB_CHANNELS, type Box, type RgbImage, type Size } from './types.js';

/** A whole-pixel rectangle inside an image. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Checks that a caller's box is usable on an image of `size`: finite, non-degenerate and
 * overlapping the image (parts outside are clipped later). `what` names it in errors.
 */
export function assertUsableBox(box: Box, size: Size, what: string): void {
  const { xMin, yMin, xMax, yMax } = box;
  const text = `${what} (x_min=${xMin}, y_min=${yMin}, x_max=${xMax}, y_max=${yMax})`;
  if (![xMin, yMin, xMax, yMax].every(Number.isFinite)) {
    throw new ImageInputError(`${text} has a coordinate that is not a finite number`);
  }
  if (xMin >= xMax || yMin >= yMax) {
    throw new ImageInputError(`${text} is degenerate: x_min must be < x_max and y_min < y_max`);
  }
  if (xMin >= size.width || yMin >= size.height || xMax <= 0 || yMax <= 0) {
    throw new ImageInputError(`${text} lies outside the ${size.width}x${size.height} image`);
  }
}

/**
 * The pixels a box covers, as the training code cuts crops: edges rounded (half to even),
 * clamped to the image, at least one pixel wide and high.
 */
export function boxToPixelRect(box: Box, size: Size): PixelRect {
  const left = Math.min(Math.max(0, roundHalfEven(box.xMin)), size.width - 1);
  const top = Math.min(Math.max(0, roundHalfEven(box.yMin)), size.height - 1);
  const right = Math.max(Math.min(size.width, roundHalfEven(box.xMax)), left + 1);
  const bottom = Math.max(Math.min(size.height, roundHalfEven(box.yMax)), top + 1);
  return { left, top, width: right - left, height: bottom - top };
}

export function cropRgb(image: RgbImage, rect: PixelRect): RgbImage {
  const rowBytes = rect.width * RGB_CHANNELS;
  const data = new Uint8Array(rect.height * rowBytes);
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.top + y) * image.width + rect.left) * RGB_CHANNELS;
    data.set(image.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { data, width: rect.width, height: rect.height };
}

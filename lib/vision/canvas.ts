import type { Triple } from '../model-card/index.js';
import { RGB_CHANNELS, type RgbImage, type Size } from './types.js';

/**
 * Fills RGB pixels with one colour: a memset for grey (the cards' padding), otherwise one
 * pixel copied over the buffer in doubling blocks rather than a per-byte loop (this runs for
 * every crop).
 */
function fillRgb(data: Uint8Array, fill: Triple): void {
  if (fill[0] === fill[1] && fill[1] === fill[2]) {
    data.fill(fill[0]);
    return;
  }
  if (data.length < RGB_CHANNELS) return;
  data.set(fill, 0);
  for (let filled = RGB_CHANNELS; filled < data.length; filled *= 2) {
    data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
}

/** An image of `size` where every pixel is `fill` (in `into` when given, of exactly that size). */
export function filledImage(size: Size, fill: Triple, into?: Uint8Array): RgbImage {
  const bytes = size.width * size.height * RGB_CHANNELS;
  if (into && into.length !== bytes) {
    throw new RangeError(`${into.length} bytes for a ${size.width}x${size.height} RGB image`);
  }
  const data = into ?? new Uint8Array(bytes);
  fillRgb(data, fill);
  return { data, width: size.width, height: size.height };
}

function assertFits(image: Size, canvas: Size, left: number, top: number): void {
  if (
    left < 0 ||
    top < 0 ||
    left + image.width > canvas.width ||
    top + image.height > canvas.height
  ) {
    throw new RangeError(
      `a ${image.width}x${image.height} image at (${left}, ${top}) does not fit a ${canvas.width}x${canvas.height} canvas`,
    );
  }
}

/**
 * Writes `image` onto `target`, the RGB pixels of a `canvas`-sized image, its top-left corner at
 * (left, top), every other pixel set to `fill`. Row copies only (no per-pixel loop); nothing is
 * filled when the image covers the canvas.
 */
export function placeInto(
  target: Uint8Array,
  canvas: Size,
  image: RgbImage,
  left: number,
  top: number,
  fill: Triple,
): void {
  assertFits(image, canvas, left, top);
  if (target.length !== canvas.width * canvas.height * RGB_CHANNELS) {
    throw new RangeError(
      `target holds ${target.length} bytes, not a ${canvas.width}x${canvas.height} RGB image`,
    );
  }
  const rowBytes = image.width * RGB_CHANNELS;
  if (image.width === canvas.width) {
    // Full-width rows are contiguous on the canvas too: one copy, padding above and below.
    const from = top * rowBytes;
    const to = from + image.height * rowBytes;
    target.set(image.data.subarray(0, image.height * rowBytes), from);
    if (from > 0) fillRgb(target.subarray(0, from), fill);
    if (to < target.length) fillRgb(target.subarray(to), fill);
    return;
  }
  fillRgb(target, fill);
  for (let y = 0; y < image.height; y++) {
    const from = y * rowBytes;
    target.set(
      image.data.subarray(from, from + rowBytes),
      ((top + y) * canvas.width + left) * RGB_CHANNELS,
    );
  }
}

/** Copies `image` onto a new canvas filled with `fill`, its top-left corner at (left, top). */
export function placeOnCanvas(
  image: RgbImage,
  canvas: Size,
  left: number,
  top: number,
  fill: Triple,
): RgbImage {
  const data = new Uint8Array(canvas.width * canvas.height * RGB_CHANNELS);
  placeInto(data, canvas, image, left, top, fill);
  return { data, width: canvas.width, height: canvas.height };
}

/**
 * The classifier's crop rule in JavaScript alone (no sharp, nothing from Node): pad a region to
 * a centred square, resize it to the input with the training code's bilinear filter. The
 * server (model-input.ts) uses it for every square it covers and sharp for the rest; the
 * browser's device mode uses it alone.
 */
import type { ResizeKernel, Triple } from '../model-card/types.js';
import { filledImage } from './canvas.js';
import type { PixelRect } from './crop.js';
import { resizePaddedSquareBilinear } from './resample.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

/** What preparing pixels at a model's input size needs: the size, padding and kernel of its card. */
export interface PixelInputSpec {
  width: number;
  height: number;
  padValue: Triple;
  kernel: ResizeKernel;
}

/**
 * The pixels of `rect` padded to a centred square of side max(w, h) (offsets
 * floor((side - w) / 2), floor((side - h) / 2), filled with `fill`): row copies straight
 * from the image, no intermediate crop.
 */
export function cropPaddedToSquare(
  image: RgbImage,
  rect: PixelRect,
  fill: Triple,
  into?: Uint8Array,
): RgbImage {
  const side = Math.max(rect.width, rect.height);
  const square = filledImage({ width: side, height: side }, fill, into);
  const left = Math.floor((side - rect.width) / 2);
  const top = Math.floor((side - rect.height) / 2);
  const rowBytes = rect.width * RGB_CHANNELS;
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.top + y) * image.width + rect.left) * RGB_CHANNELS;
    square.data.set(
      image.data.subarray(from, from + rowBytes),
      ((top + y) * side + left) * RGB_CHANNELS,
    );
  }
  return square;
}

/**
 * Squares up to this many times the input side are resized in JavaScript (resample.ts, the
 * training code's Pillow BILINEAR, bit for bit); larger ones by sharp, whose fixed cost per
 * call (about 1 ms) is then less than the JavaScript filter's (3.6 ms for an 800 px square
 * against 1.6 ms), and whose box pre-shrink differs from Pillow by a few levels at most.
 */
const JS_RESIZE_MAX_FACTOR = 3;

/**
 * The classifier's input for one region of a decoded image, as the training code makes it,
 * when JavaScript makes it here: the square is already at the input size (no resize), or the
 * card's kernel is linear and the square at most JS_RESIZE_MAX_FACTOR times the input side.
 * Undefined otherwise (the server resizes those with sharp).
 */
export function squareCropInJavaScript(
  image: RgbImage,
  rect: PixelRect,
  input: PixelInputSpec,
): RgbImage | undefined {
  const side = Math.max(rect.width, rect.height);
  if (side === input.width && side === input.height) {
    return cropPaddedToSquare(image, rect, input.padValue);
  }
  if (
    input.kernel === 'linear' &&
    side <= JS_RESIZE_MAX_FACTOR * Math.max(input.width, input.height)
  ) {
    return resizePaddedSquareBilinear(image, rect, input.padValue, input.width, input.height);
  }
  return undefined;
}

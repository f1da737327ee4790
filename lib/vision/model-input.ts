import sharp from 'sharp';
import type { ResizeKernel, Triple } from '../model-card/index.js';
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

function rawInput(image: RgbImage) {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  });
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
 * Buffers for the padded squares, reused across crops and requests: a square is read only by
 * its resize, so afterwards its memory can hold the next square instead of becoming garbage
 * that piles up until the next garbage collection (a photo with 150 boxes makes 150 squares).
 * Squares above 2 MiB (boxes over ~800 px) are not kept: holding them would cost more
 * resident memory than their garbage does.
 */
const squareBuffers: Uint8Array[] = [];
const SQUARE_BUFFERS_KEPT = 4;
const SQUARE_BUFFER_MAX_BYTES = 2 * 1024 * 1024;

function takeSquareBuffer(bytes: number): Uint8Array {
  const index = squareBuffers.findIndex((buffer) => buffer.length >= bytes);
  const kept = index >= 0 ? squareBuffers.splice(index, 1)[0] : undefined;
  return (kept ?? new Uint8Array(bytes)).subarray(0, bytes);
}

function returnSquareBuffer(view: Uint8Array): void {
  const buffer = new Uint8Array(view.buffer);
  if (buffer.length > SQUARE_BUFFER_MAX_BYTES) return;
  if (squareBuffers.length >= SQUARE_BUFFERS_KEPT) {
    // Keep the larger buffers: they serve every smaller square too.
    const smallest = squareBuffers.reduce(
      (min, b, i, all) => (b.length < (all[min]?.length ?? 0) ? i : min),
      0,
    );
    if ((squareBuffers[smallest]?.length ?? 0) >= buffer.length) return;
    squareBuffers.splice(smallest, 1);
  }
  squareBuffers.push(buffer);
}

/**
 * Squares up to this many times the input side are resized in JavaScript (resample.ts, the
 * training code's Pillow BILINEAR, bit for bit); larger ones by sharp, whose fixed cost per
 * call (about 1 ms) is then less than the JavaScript filter's (3.6 ms for an 800 px square
 * against 1.6 ms), and whose box pre-shrink differs from Pillow by a few levels at most.
 */
const JS_RESIZE_MAX_FACTOR = 3;

/**
 * The classifier's input for one region of a decoded image, as the training code makes it:
 * pad to a centred square, resize to the input size with the card's kernel. No resize when
 * the square is already at the input size.
 */
export async function cropToModelInput(
  image: RgbImage,
  rect: PixelRect,
  input: PixelInputSpec,
): Promise<RgbImage> {
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
  const scratch = takeSquareBuffer(side * side * RGB_CHANNELS);
  try {
    const square = cropPaddedToSquare(image, rect, input.padValue, scratch);
    const { data, info } = await rawInput(square)
      .resize(input.width, input.height, { fit: 'fill', kernel: input.kernel })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } finally {
    returnSquareBuffer(scratch);
  }
}

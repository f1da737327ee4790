import sharp from 'sharp';
import type { PixelRect } from './crop.js';
import { cropBoxesWith } from './crop-source.js';
import { cropPaddedToSquare, squareCropInJavaScript, type PixelInputSpec } from './square-crop.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

export { cropPaddedToSquare, type PixelInputSpec } from './square-crop.js';

function rawInput(image: RgbImage) {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  });
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
 * The classifier's input for one region of a decoded image, as the training code makes it:
 * pad to a centred square, resize to the input size with the card's kernel. In JavaScript
 * where square-crop.ts covers it, otherwise by sharp.
 */
export async function cropToModelInput(
  image: RgbImage,
  rect: PixelRect,
  input: PixelInputSpec,
): Promise<RgbImage> {
  const inJavaScript = squareCropInJavaScript(image, rect, input);
  if (inJavaScript !== undefined) return inJavaScript;
  const side = Math.max(rect.width, rect.height);
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

/** lib/vision/crop-source.ts's crop planning with this file's resize. */
export const cropBoxesFromDecodes = cropBoxesWith(cropToModelInput);

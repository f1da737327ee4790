import sharp from 'sharp';
import type { ResizeKernel, Triple } from '../model-card/index.js';
import { filledImage } from './canvas.js';
import type { PixelRect } from './crop.js';
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
export function cropPaddedToSquare(image: RgbImage, rect: PixelRect, fill: Triple): RgbImage {
  const side = Math.max(rect.width, rect.height);
  const square = filledImage({ width: side, height: side }, fill);
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
 * The classifier's input for one region of a decoded image, as the training code makes it:
 * pad to a centred square, resize to the input size with the card's kernel. One sharp
 * resize per crop (none when the square is already at the input size).
 */
export async function cropToModelInput(
  image: RgbImage,
  rect: PixelRect,
  input: PixelInputSpec,
): Promise<RgbImage> {
  const square = cropPaddedToSquare(image, rect, input.padValue);
  if (square.width === input.width && square.height === input.height) return square;
  const { data, info } = await rawInput(square)
    .resize(input.width, input.height, { fit: 'fill', kernel: input.kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

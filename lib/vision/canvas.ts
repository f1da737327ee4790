import type { Triple } from '../model-card/index.js';
import { RGB_CHANNELS, type RgbImage, type Size } from './types.js';

/** An image of `size` where every pixel is `fill`. */
export function filledImage(size: Size, fill: Triple): RgbImage {
  const data = new Uint8Array(size.width * size.height * RGB_CHANNELS);
  for (let i = 0; i < data.length; i += RGB_CHANNELS) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
  }
  return { data, width: size.width, height: size.height };
}

/** Copies `image` onto a new canvas filled with `fill`, its top-left corner at (left, top). */
export function placeOnCanvas(
  image: RgbImage,
  canvas: Size,
  left: number,
  top: number,
  fill: Triple,
): RgbImage {
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
  const { data } = filledImage(canvas, fill);
  const rowBytes = image.width * RGB_CHANNELS;
  for (let y = 0; y < image.height; y++) {
    const from = y * rowBytes;
    data.set(
      image.data.subarray(from, from + rowBytes),
      ((top + y) * canvas.width + left) * RGB_CHANNELS,
    );
  }
  return { data, width: canvas.width, height: canvas.height };
}

import { RGB_CHANNELS, type DecodedImage } from './decoded-image.js';

export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The whole-pixel rectangle covering a box, clamped to the image and at least 1x1. */
export function coveringRect(
  box: { x_min: number; y_min: number; x_max: number; y_max: number },
  image: { width: number; height: number },
): PixelRect {
  const left = Math.min(image.width - 1, Math.max(0, Math.floor(box.x_min)));
  const top = Math.min(image.height - 1, Math.max(0, Math.floor(box.y_min)));
  const right = Math.max(left + 1, Math.min(image.width, Math.ceil(box.x_max)));
  const bottom = Math.max(top + 1, Math.min(image.height, Math.ceil(box.y_max)));
  return { left, top, width: right - left, height: bottom - top };
}

/** Copies a rectangle (inside the image) out of packed RGB pixels, row by row. */
export function cropRgb(image: DecodedImage, rect: PixelRect): Buffer {
  const rowBytes = rect.width * RGB_CHANNELS;
  const crop = Buffer.allocUnsafe(rowBytes * rect.height);
  for (let row = 0; row < rect.height; row += 1) {
    const start = ((rect.top + row) * image.width + rect.left) * RGB_CHANNELS;
    image.pixels.copy(crop, row * rowBytes, start, start + rowBytes);
  }
  return crop;
}

import sharp from 'sharp';
import type { ResizeKernel } from '../model-card/index.js';
import { RGB_CHANNELS, type RgbImage, type Size } from './types.js';

/** Resamples decoded RGB to exactly `size` with a sharp kernel (e.g. "linear"). */
export async function resizeRgb(
  image: RgbImage,
  size: Size,
  kernel: ResizeKernel,
): Promise<RgbImage> {
  if (image.width === size.width && image.height === size.height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  })
    .resize(size.width, size.height, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

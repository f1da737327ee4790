import sharp, { type SharpOptions } from 'sharp';
import { RGB_CHANNELS, type RgbImage } from '../../../lib/vision/types.js';
import { buildOverlaySvg, type Annotation } from './overlay-svg.js';

const rawInput = (image: RgbImage): SharpOptions => ({
  raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
});

/** Composites the SVG overlay onto the decoded photo at its original resolution. */
export async function drawAnnotations(
  image: RgbImage,
  annotations: readonly Annotation[],
): Promise<RgbImage> {
  if (annotations.length === 0) return image;
  const { data, info } = await sharp(image.data, rawInput(image))
    .composite([{ input: Buffer.from(buildOverlaySvg(image, annotations)), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export function encodeJpeg(image: RgbImage, quality: number): Promise<Buffer> {
  return sharp(image.data, rawInput(image)).jpeg({ quality }).toBuffer();
}

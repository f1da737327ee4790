import sharp from 'sharp';
import { RGB_CHANNELS, type RgbImage } from '../../../lib/vision/types.js';
import { buildOverlaySvg, type Annotation } from './overlay-svg.js';

/** The overlay to composite: an SVG the size of the photo, or nothing when there is no banana. */
export function buildOverlay(
  image: RgbImage,
  annotations: readonly Annotation[],
): Buffer | undefined {
  return annotations.length === 0 ? undefined : Buffer.from(buildOverlaySvg(image, annotations));
}

/**
 * Composites the overlay onto the decoded photo at its original resolution and encodes a
 * JPEG in one streaming sharp pipeline (no second full-size pixel buffer).
 */
export function encodeAnnotatedJpeg(
  image: RgbImage,
  overlay: Buffer | undefined,
  quality: number,
): Promise<Buffer> {
  const pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  });
  if (overlay) pipeline.composite([{ input: overlay, top: 0, left: 0 }]);
  return pipeline.jpeg({ quality }).toBuffer();
}

import sharp from 'sharp';
import { rawInputOf, type DecodedImage } from '../image/decoded-image.js';
import { buildOverlaySvg, type Annotation } from './overlay-svg.js';

/** Draws the annotations over the decoded photo at its original resolution and encodes a JPEG. */
export async function renderAnnotatedJpeg(
  image: DecodedImage,
  annotations: readonly Annotation[],
  quality: number,
): Promise<Buffer> {
  let pipeline = sharp(image.pixels, rawInputOf(image));
  if (annotations.length > 0) {
    const svg = buildOverlaySvg(image, annotations);
    pipeline = pipeline.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  }
  return pipeline.jpeg({ quality, mozjpeg: false }).toBuffer();
}

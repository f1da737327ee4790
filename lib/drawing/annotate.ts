import sharp from 'sharp';
import type { Box, RgbImage } from '../vision/index.js';
import { RGB_CHANNELS } from '../vision/types.js';
import {
  layoutDetectionLabels,
  outlineWithHalo,
  strokeWidthFor,
  contrastingColour,
} from './labels.js';
import { buildLabelAtlas } from './label-svg.js';
import { blendRgba, fillRect, parseHexColour } from './raster.js';

export interface Annotation {
  box: Box;
  colour: string;
  stageLabel: string;
  /** The detector's confidence that the box holds a banana (the label's percentage). */
  detectionConfidence: number;
}

async function rasteriseSvg(svg: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Draws every box (opaque bars over a contrasting halo) and then every label (numbered #1,
 * #2 … in the order given, placed by labels.js so that none overlaps another; all
 * labels rendered by sharp from one small SVG, each alpha-blended) onto the photo itself, at
 * its original resolution, and returns it. Only the label rectangles are rasterised: a
 * full-size overlay composite costs several times the JPEG encode (docs/performance.md). In
 * place, because a copy would hold a second full-resolution photo per request in flight: the
 * pipeline has cut its crops before drawing and needs the undrawn pixels no more.
 */
export async function drawAnnotations(
  image: RgbImage,
  annotations: readonly Annotation[],
): Promise<RgbImage> {
  if (annotations.length === 0) return image;
  const canvas = image;
  // Labels are placed and their raster started first, so that libvips renders it on its
  // thread pool while the outlines are painted here.
  const { fontSize, labels } = layoutDetectionLabels(annotations, image);
  const placed = labels.flatMap((label, i) => {
    const colour = annotations[i]?.colour;
    return label && colour ? [{ label, colour }] : [];
  });
  const atlas = placed.length > 0 ? buildLabelAtlas(placed, fontSize) : undefined;
  const raster = atlas ? rasteriseSvg(atlas.svg) : undefined;
  raster?.catch(() => undefined);
  const stroke = strokeWidthFor(image);
  for (const { box, colour } of annotations) {
    const { halo, fill } = outlineWithHalo(box, image, stroke);
    const haloRgb = parseHexColour(contrastingColour(colour));
    for (const bar of halo) fillRect(canvas, bar, haloRgb);
    const rgb = parseHexColour(colour);
    for (const bar of fill) fillRect(canvas, bar, rgb);
  }
  if (!atlas || !raster) return canvas;
  // All labels in one small SVG, rendered by one sharp call, then each blended at its place.
  const rendered = await raster;
  placed.forEach(({ label }, i) => {
    blendRgba(canvas, rendered.data, label.rect, {
      width: rendered.width,
      top: atlas.tops[i] ?? 0,
    });
  });
  return canvas;
}

/**
 * Huffman-table optimisation (sharp's default) makes libjpeg keep every DCT coefficient of
 * the photo in memory for a second pass, which costs memory and time out of proportion to
 * the slightly smaller file (docs/performance.md). Photos are encoded in one streaming pass
 * instead.
 */
export const JPEG_OPTIONS = { optimiseCoding: false } as const;

export function encodeJpeg(image: RgbImage, quality: number): Promise<Buffer> {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  })
    .jpeg({ quality, ...JPEG_OPTIONS })
    .toBuffer();
}

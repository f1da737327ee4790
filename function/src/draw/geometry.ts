import type { Box, Size } from '../../../lib/vision/index.js';

/**
 * Pure layout of the annotations: stroke width and font size proportional to the image,
 * box outlines as whole-pixel bars inside the image, and a label per box placed inside the image
 * (above the box when there is room, otherwise inside its top edge).
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LabelLayout {
  background: Rect;
  textX: number;
  /** Baseline of the text. */
  textY: number;
}

const MIN_STROKE = 2;
const STROKE_DIVISOR = 240;
const MIN_FONT = 12;
const FONT_DIVISOR = 40;
/** Average advance of DejaVu Sans Bold glyphs in ems (rounded up so labels never clip). */
export const AVERAGE_GLYPH_EM = 0.68;
const LINE_HEIGHT_EM = 1.4;
const PADDING_EM = 0.3;
const BASELINE_EM = 0.36;

export function strokeWidthFor(image: Size): number {
  return Math.max(MIN_STROKE, Math.round(Math.min(image.width, image.height) / STROKE_DIVISOR));
}

export function fontSizeFor(image: Size): number {
  return Math.max(MIN_FONT, Math.round(Math.min(image.width, image.height) / FONT_DIVISOR));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The four bars of a box outline in whole pixels, drawn inside the box (clamped to the
 * image) so that a box touching the border keeps all four sides; thinner for tiny boxes.
 */
export function outlineBars(box: Box, image: Size, strokeWidth: number): Rect[] {
  const x0 = clamp(Math.round(box.xMin), 0, image.width);
  const y0 = clamp(Math.round(box.yMin), 0, image.height);
  const x1 = clamp(Math.round(box.xMax), 0, image.width);
  const y1 = clamp(Math.round(box.yMax), 0, image.height);
  const width = x1 - x0;
  const height = y1 - y0;
  const sx = Math.min(strokeWidth, Math.ceil(width / 2));
  const sy = Math.min(strokeWidth, Math.ceil(height / 2));
  const sides: Rect[] = [
    { x: x0, y: y0, width, height: sy },
    { x: x0, y: y1 - sy, width, height: sy },
    { x: x0, y: y0 + sy, width: sx, height: height - 2 * sy },
    { x: x1 - sx, y: y0 + sy, width: sx, height: height - 2 * sy },
  ];
  return sides.filter((r) => r.width > 0 && r.height > 0);
}

export function estimateTextWidth(text: string, fontSize: number): number {
  return Math.ceil(Array.from(text).length * fontSize * AVERAGE_GLYPH_EM);
}

export function labelLayout(box: Box, text: string, fontSize: number, image: Size): LabelLayout {
  const padding = Math.round(fontSize * PADDING_EM);
  const height = Math.min(image.height, Math.round(fontSize * LINE_HEIGHT_EM));
  const width = Math.min(image.width, estimateTextWidth(text, fontSize) + 2 * padding);
  const x = clamp(Math.round(box.xMin), 0, image.width - width);
  const above = Math.round(box.yMin) - height;
  const y = clamp(above >= 0 ? above : Math.round(box.yMin), 0, image.height - height);
  return {
    background: { x, y, width, height },
    textX: x + padding,
    textY: y + Math.round(height / 2 + fontSize * BASELINE_EM),
  };
}

/** "ripe 93%" */
export function labelText(stageLabel: string, stageConfidence: number): string {
  return `${stageLabel} ${Math.round(stageConfidence * 100)}%`;
}

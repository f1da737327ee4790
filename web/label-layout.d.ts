// Types of label-layout.js (a plain ES module that the page loads as it is).

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Box {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}
export interface Size {
  width: number;
  height: number;
}
export interface LabelRequest {
  box: Box;
  text: string;
  shortText: string;
}
export interface PlacedLabel {
  rect: Rect;
  text: string;
  textX: number;
  /** Baseline of the text. */
  textY: number;
  /** Width of the contrasting border inside `rect`. */
  border: number;
}

export const MIN_FONT: number;
export const AVERAGE_GLYPH_EM: number;
export const LABEL_FONT_FAMILY: string;
export function strokeWidthFor(image: Size): number;
export function haloWidthFor(strokeWidth: number): number;
export function fontSizeFor(image: Size): number;
export function outlineBars(box: Box, image: Size, strokeWidth: number): Rect[];
export function outlineWithHalo(
  box: Box,
  image: Size,
  strokeWidth: number,
): { halo: Rect[]; fill: Rect[] };
export function estimateTextWidth(text: string, fontSize: number): number;
export function numberText(number: number): string;
export function labelText(number: number, stageLabel: string, stageConfidence: number): string;
export function labelSize(
  text: string,
  fontSize: number,
): { width: number; height: number; padding: number };
export function intersects(a: Rect, b: Rect): boolean;
export function layoutLabels(
  labels: readonly LabelRequest[],
  image: Size,
  fontSize: number,
): (PlacedLabel | null)[];
export function relativeLuminance(hex: string): number;
export function contrastingColour(background: string): '#000000' | '#ffffff';
export function layoutDetectionLabels(
  detections: readonly { box: Box; stageLabel: string; stageConfidence: number }[],
  image: Size,
): { fontSize: number; labels: (PlacedLabel | null)[] };

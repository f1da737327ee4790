export interface Size {
  width: number;
  height: number;
}

/** 8-bit RGB pixels, 3 bytes per pixel, row-major (HWC), no row padding. */
export interface RgbImage extends Size {
  data: Uint8Array;
}

/** Corners in continuous pixel coordinates (same field names as banana.v1.Box). */
export interface Box {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/**
 * Whether a box covers any area. A box clamped to an image edge can collapse to a line: not a
 * banana, and nothing to crop.
 */
export function hasArea(box: Box): boolean {
  return box.xMax > box.xMin && box.yMax > box.yMin;
}

export interface ScoredBox {
  box: Box;
  score: number;
}

export const RGB_CHANNELS = 3;

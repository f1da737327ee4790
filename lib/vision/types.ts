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

export interface ScoredBox {
  box: Box;
  score: number;
}

export const RGB_CHANNELS = 3;

/**
 * Resizing a crop to the classifier's input in JavaScript, as Pillow's `Image.resize(size,
 * Image.BILINEAR)` does it (the training code's resize, models/training/common.py): a
 * triangle filter widened by the scale factor when shrinking, applied horizontally then
 * vertically, with Pillow's 8-bit fixed-point coefficients and rounding. Written here
 * because a sharp call costs about 1 ms of fixed overhead (measured: 1.1 ms for a 130x130
 * square, 1.6 ms for 800x800), more than the arithmetic of a 128x128 crop; and the crop's
 * padding is read virtually instead of building the padded square first.
 */
import type { Triple } from '../model-card/index.js';
import type { PixelRect } from './crop.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

/** Pillow's fixed-point precision for 8-bit images: 32 - 8 - 2 bits. */
const PRECISION_BITS = 22;
const ROUNDING = 1 << (PRECISION_BITS - 1);

/** For each output pixel: the first input pixel it reads, how many, and their weights. */
export interface ResampleCoefficients {
  first: Int32Array;
  count: Int32Array;
  /** `taps` fixed-point weights per output pixel. */
  weights: Int32Array;
  taps: number;
}

const triangle = (x: number): number => (x < 0 ? (x > -1 ? 1 + x : 0) : x < 1 ? 1 - x : 0);

/** Pillow's precompute_coeffs and normalize_coeffs_8bpc for the bilinear filter. */
export function bilinearCoefficients(inSize: number, outSize: number): ResampleCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const k = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) / filterScale);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? (k[x] as number) / total : 0;
      // Pillow rounds half away from zero (weights are never negative here).
      weights[xx * taps + x] = Math.trunc(w * (1 << PRECISION_BITS) + 0.5);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, taps };
}

const clip8 = (value: number): number => {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** One RGB row through the coefficients, into `out` from `outOffset`. */
function resampleRow(
  row: Uint8Array,
  c: ResampleCoefficients,
  out: Uint8Array,
  outOffset: number,
): void {
  const { first, count, weights, taps } = c;
  const stride = RGB_CHANNELS;
  for (let xx = 0; xx < first.length; xx++) {
    let r = ROUNDING;
    let g = ROUNDING;
    let b = ROUNDING;
    let p = (first[xx] as number) * stride;
    const base = xx * taps;
    const n = count[xx] as number;
    for (let x = 0; x < n; x++, p += stride) {
      const w = weights[base + x] as number;
      r += (row[p] as number) * w;
      g += (row[p + 1] as number) * w;
      b += (row[p + 2] as number) * w;
    }
    const o = outOffset + xx * stride;
    out[o] = clip8(r);
    out[o + 1] = clip8(g);
    out[o + 2] = clip8(b);
  }
}

/**
 * The pixels of `rect` padded to a centred square of side max(w, h) (offsets
 * floor((side - w) / 2), floor((side - h) / 2), filled with `fill`), resized to
 * width x height as Pillow's BILINEAR resize does: the horizontal pass first, into 8-bit
 * rows, then the vertical one. The square itself is never built: a row of it is the image's
 * row between two runs of padding, and rows of padding only are one precomputed row.
 */
export function resizePaddedSquareBilinear(
  image: RgbImage,
  rect: PixelRect,
  fill: Triple,
  width: number,
  height: number,
): RgbImage {
  const side = Math.max(rect.width, rect.height);
  const left = Math.floor((side - rect.width) / 2);
  const top = Math.floor((side - rect.height) / 2);
  const horizontal = bilinearCoefficients(side, width);
  const vertical = bilinearCoefficients(side, height);

  // One padded row of the square, refilled with each image row (padding stays in place).
  const row = new Uint8Array(side * RGB_CHANNELS);
  for (let i = 0; i < row.length; i += RGB_CHANNELS) row.set(fill, i);
  const padRow = new Uint8Array(width * RGB_CHANNELS);
  resampleRow(row, horizontal, padRow, 0);

  // Horizontal pass over the square's rows: `side` rows of `width` pixels.
  const rows = new Uint8Array(side * width * RGB_CHANNELS);
  const rowBytes = rect.width * RGB_CHANNELS;
  for (let y = 0; y < side; y++) {
    const out = y * width * RGB_CHANNELS;
    const imageY = y - top;
    if (imageY < 0 || imageY >= rect.height) {
      rows.set(padRow, out);
      continue;
    }
    const from = ((rect.top + imageY) * image.width + rect.left) * RGB_CHANNELS;
    row.set(image.data.subarray(from, from + rowBytes), left * RGB_CHANNELS);
    resampleRow(row, horizontal, rows, out);
  }

  return { data: resampleColumns(rows, width * RGB_CHANNELS, vertical), width, height };
}

/**
 * The vertical pass: each output row is the weighted sum of the rows it reads (accumulated
 * row by row, so that every read is sequential).
 */
function resampleColumns(rows: Uint8Array, stride: number, c: ResampleCoefficients): Uint8Array {
  const { first, count, weights, taps } = c;
  const out = new Uint8Array(first.length * stride);
  const sums = new Float64Array(stride);
  for (let yy = 0; yy < first.length; yy++) {
    sums.fill(ROUNDING);
    const n = count[yy] as number;
    for (let i = 0; i < n; i++) {
      const w = weights[yy * taps + i] as number;
      const start = ((first[yy] as number) + i) * stride;
      for (let x = 0; x < stride; x++)
        sums[x] = (sums[x] as number) + (rows[start + x] as number) * w;
    }
    const o = yy * stride;
    for (let x = 0; x < stride; x++) out[o + x] = clip8(sums[x] as number);
  }
  return out;
}

/**
 * A whole image resized to width x height as Pillow's BILINEAR resize does it (horizontal
 * pass, then vertical). The browser's device mode scales a photo to the detector's letterbox
 * size with it; the server lets sharp do that while decoding (shrink-on-load), whose pixels
 * differ from these by a few levels (the boxes by well under a pixel: see the parity test).
 */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  const horizontal = bilinearCoefficients(image.width, width);
  const vertical = bilinearCoefficients(image.height, height);
  const rowBytes = image.width * RGB_CHANNELS;
  const rows = new Uint8Array(image.height * width * RGB_CHANNELS);
  for (let y = 0; y < image.height; y++) {
    const row = image.data.subarray(y * rowBytes, (y + 1) * rowBytes);
    resampleRow(row, horizontal, rows, y * width * RGB_CHANNELS);
  }
  return { data: resampleColumns(rows, width * RGB_CHANNELS, vertical), width, height };
}

import { RGB_CHANNELS, type RgbImage } from '../vision/types.js';
import type { Rect } from './labels.js';

export type Rgb = readonly [number, number, number];

export function parseHexColour(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1] ?? '', 16), parseInt(match[2] ?? '', 16), parseInt(match[3] ?? '', 16)];
}

/**
 * Paints a rectangle (inside the image) in one opaque colour: one pixel written, the first
 * row filled by doubling copies, the other rows copied from it (memmove, not a pixel loop).
 */
export function fillRect(image: RgbImage, rect: Rect, [r, g, b]: Rgb): void {
  if (rect.width <= 0 || rect.height <= 0) return;
  const { data } = image;
  const rowBytes = rect.width * RGB_CHANNELS;
  const first = (rect.y * image.width + rect.x) * RGB_CHANNELS;
  data[first] = r;
  data[first + 1] = g;
  data[first + 2] = b;
  for (let filled = RGB_CHANNELS; filled < rowBytes; filled *= 2) {
    data.copyWithin(first + filled, first, first + Math.min(filled, rowBytes - filled));
  }
  for (let y = 1; y < rect.height; y += 1) {
    data.copyWithin(first + y * image.width * RGB_CHANNELS, first, first + rowBytes);
  }
}

/** Where a rectangle's pixels lie in a larger RGBA raster: its row length and first row. */
export interface RgbaSource {
  /** Pixels per row of the raster (at least the rectangle's width). */
  width: number;
  /** Row of the raster where the rectangle's pixels start (left edge at column 0). */
  top: number;
}

/**
 * Alpha-blends straight (non-premultiplied) RGBA pixels of `rect`'s size onto the image at
 * `rect` ("over"): out = round((src * a + dst * (255 - a)) / 255). The pixels are the whole
 * of `rgba`, or the part of a larger raster that `source` says.
 */
export function blendRgba(image: RgbImage, rgba: Uint8Array, rect: Rect, part?: RgbaSource): void {
  const source = part ?? { width: rect.width, top: 0 };
  const needed = (source.top + rect.height) * source.width * 4;
  if (source.width < rect.width || (part ? rgba.length < needed : rgba.length !== needed)) {
    throw new RangeError(`${rgba.length} RGBA bytes for a ${rect.width}x${rect.height} rectangle`);
  }
  for (let y = 0; y < rect.height; y += 1) {
    let src = (source.top + y) * source.width * 4;
    let target = ((rect.y + y) * image.width + rect.x) * RGB_CHANNELS;
    for (let x = 0; x < rect.width; x += 1, src += 4, target += RGB_CHANNELS) {
      const alpha = rgba[src + 3] ?? 0;
      if (alpha === 0) continue;
      for (let c = 0; c < RGB_CHANNELS; c += 1) {
        const value = rgba[src + c] ?? 0;
        const dst = image.data[target + c] ?? 0;
        image.data[target + c] = Math.round((value * alpha + dst * (255 - alpha)) / 255);
      }
    }
  }
}

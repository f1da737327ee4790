import { roundHalfEven } from './round.js';
import type { Box, Size } from './types.js';

/** Where the original image sits inside the model input after letterboxing. */
export interface LetterboxGeometry {
  /** Size of the original image. */
  source: Size;
  /** Size of the model input (the canvas). */
  target: Size;
  /** Uniform scale min(target.width / source.width, target.height / source.height). */
  scale: number;
  /** Size of the scaled image: round(source * scale), at least 1 pixel. */
  resized: Size;
  /** Left padding floor((target.width - resized.width) / 2). */
  offsetX: number;
  /** Top padding floor((target.height - resized.height) / 2). */
  offsetY: number;
}

export function letterboxGeometry(source: Size, target: Size): LetterboxGeometry {
  const scale = Math.min(target.width / source.width, target.height / source.height);
  const resized = {
    width: Math.max(1, roundHalfEven(source.width * scale)),
    height: Math.max(1, roundHalfEven(source.height * scale)),
  };
  return {
    source: { width: source.width, height: source.height },
    target: { width: target.width, height: target.height },
    scale,
    resized,
    offsetX: Math.floor((target.width - resized.width) / 2),
    offsetY: Math.floor((target.height - resized.height) / 2),
  };
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}

/** Maps a box from model-input pixels back to original-image pixels, clamped to the image. */
export function unletterboxBox(box: Box, geometry: LetterboxGeometry): Box {
  const { scale, offsetX, offsetY, source } = geometry;
  return {
    xMin: clamp((box.xMin - offsetX) / scale, source.width),
    yMin: clamp((box.yMin - offsetY) / scale, source.height),
    xMax: clamp((box.xMax - offsetX) / scale, source.width),
    yMax: clamp((box.yMax - offsetY) / scale, source.height),
  };
}

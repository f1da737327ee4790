import type { Triple } from '../model-card/index.js';
import { cropPaddedToSquare } from './model-input.js';
import type { RgbImage } from './types.js';

/** Centres the image on a square of side max(w, h); offsets floor((side - w) / 2), floor((side - h) / 2). */
export function padToSquare(image: RgbImage, fill: Triple): RgbImage {
  if (image.width === image.height) return image;
  return cropPaddedToSquare(
    image,
    { left: 0, top: 0, width: image.width, height: image.height },
    fill,
  );
}

import type { Triple } from '../model-card/index.js';
import { placeOnCanvas } from './canvas.js';
import type { RgbImage } from './types.js';

/** Centres the image on a square of side max(w, h); offsets floor((side - w) / 2), floor((side - h) / 2). */
export function padToSquare(image: RgbImage, fill: Triple): RgbImage {
  const side = Math.max(image.width, image.height);
  if (image.width === side && image.height === side) return image;
  return placeOnCanvas(
    image,
    { width: side, height: side },
    Math.floor((side - image.width) / 2),
    Math.floor((side - image.height) / 2),
    fill,
  );
}

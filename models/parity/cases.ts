/**
 * The inputs of the uint8-input parity fixture: synthetic 8-bit RGB images (no photos in the
 * repository) and where each goes on the model input, the rest being the card's padding.
 */
import type { RgbImage } from '../../lib/vision/index.js';

export interface ParityItem {
  image: RgbImage;
  left: number;
  top: number;
}

export interface ParityCase {
  model: 'detector' | 'classifier';
  items: ParityItem[];
}

/**
 * A deterministic image with smooth gradients, fine texture and a yellow ellipse, so that
 * every channel takes many values and the models see some structure.
 */
export function patternImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const cx = (width * (3 + seed)) / (8 + 2 * seed);
  const cy = height / 2;
  const a = width / 3;
  const b = height / 6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const dx = (x - cx) / a;
      const dy = (y - cy) / b;
      if (dx * dx + dy * dy < 1) {
        data[i] = 220 + ((x + seed) % 30);
        data[i + 1] = 190 + ((y * seed) % 40);
        data[i + 2] = 30 + ((x * y) % 50);
      } else {
        data[i] = (x * 255) / width + seed * 13;
        data[i + 1] = (y * 255) / height;
        data[i + 2] = ((x * 7 + y * 11) * (seed + 1)) % 256;
      }
    }
  }
  return { data, width, height };
}

/** Detector: a landscape and a portrait photo letterboxed; classifier: two full crops and a padded one. */
export function parityCases(): ParityCase[] {
  return [
    {
      model: 'detector',
      items: [
        { image: patternImage(320, 240, 1), left: 0, top: 40 },
        { image: patternImage(180, 320, 2), left: 70, top: 0 },
      ],
    },
    {
      model: 'classifier',
      items: [
        { image: patternImage(128, 128, 3), left: 0, top: 0 },
        { image: patternImage(128, 128, 4), left: 0, top: 0 },
        { image: patternImage(100, 128, 5), left: 14, top: 0 },
      ],
    },
  ];
}

import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { RgbImage } from '../../lib/vision/index.js';

/** Test images generated in code (tests never read sample photos from disk). */

export type EncodedFormat = 'jpeg' | 'png' | 'webp';

export interface Colour {
  r: number;
  g: number;
  b: number;
}

const BANANA_YELLOW: Colour = { r: 226, g: 196, b: 40 };

export async function solidImage(
  width: number,
  height: number,
  format: EncodedFormat = 'png',
  colour: Colour = BANANA_YELLOW,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer();
}

/**
 * A yellow ellipse ("banana") on a light background: something a detector may or may
 * not find, but a real photo-like image with structure.
 */
export async function bananaScene(
  width: number,
  height: number,
  format: EncodedFormat = 'jpeg',
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#dcd6cc"/>
    <ellipse cx="${width * 0.45}" cy="${height * 0.5}" rx="${width * 0.25}" ry="${height * 0.1}"
      fill="#e2c428" stroke="#6b5a10" stroke-width="4" transform="rotate(-20 ${width * 0.45} ${height * 0.5})"/>
  </svg>`;
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer();
}

/** Left half `left`, right half `right`, stored with the given EXIF orientation tag. */
export async function twoToneJpeg(
  width: number,
  height: number,
  left: Colour,
  right: Colour,
  orientation: number,
): Promise<Buffer> {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: left } })
    .composite([
      {
        input: { create: { width: width - half, height, channels: 3, background: right } },
        left: half,
        top: 0,
      },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toBuffer();
}

/** An uncompressed PNG of random pixels: about width * height * 3 bytes. */
export async function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/**
 * Raw RGB pixels whose every byte depends on its position (and `salt`), so that a misplaced or
 * misscaled pixel shows in an exact comparison.
 */
export function positionalGradient(width: number, height: number, salt = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++)
    data[i] = (i * 7 + Math.floor(i / (width * 3)) * 13 + salt) % 256;
  return { data, width, height };
}

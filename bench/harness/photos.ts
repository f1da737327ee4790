/**
 * Benchmark photos generated in code: the stack tests' banana shapes (scripts/lib/synthetic-photo)
 * on a textured table (coarse blotches plus fine grain), so JPEGs compress like camera photos
 * rather than like flat vector art. Deterministic for a given seed.
 */
import sharp from 'sharp';
import { seededRandom, syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

export interface PhotoSpec {
  width: number;
  height: number;
  bananas: number;
  seed?: number;
}

export interface BenchPhoto extends Required<PhotoSpec> {
  /** e.g. "1280x960/4" */
  name: string;
  jpeg: Buffer;
}

/** 640 to 4000 px long side, 1 to 8 bananas; the 1280 px / 4 bananas photo is the target photo. */
export const PHOTO_SET: readonly PhotoSpec[] = [
  { width: 640, height: 480, bananas: 1 },
  { width: 1280, height: 960, bananas: 4 },
  { width: 1920, height: 1440, bananas: 2 },
  { width: 3000, height: 2000, bananas: 6 },
  { width: 4000, height: 3000, bananas: 8 },
];

export const TARGET_PHOTO: PhotoSpec = { width: 1280, height: 960, bananas: 4 };

export const photoName = (spec: PhotoSpec): string =>
  `${spec.width}x${spec.height}/${spec.bananas}`;

/** A grey texture the size of the photo: random values on a grid of `cell` px, smoothly upscaled. */
async function texture(width: number, height: number, cell: number, seed: number): Promise<Buffer> {
  const gw = Math.max(2, Math.ceil(width / cell));
  const gh = Math.max(2, Math.ceil(height / cell));
  const rand = seededRandom(seed);
  const grid = Buffer.alloc(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = 96 + Math.floor(rand() * 64);
  return sharp(grid, { raw: { width: gw, height: gh, channels: 1 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

export async function benchPhoto(spec: PhotoSpec): Promise<BenchPhoto> {
  const seed = spec.seed ?? spec.width * 31 + spec.bananas;
  const base = await syntheticBananaPhoto({ ...spec, seed, format: 'png' });
  const [blotches, grain] = await Promise.all([
    texture(spec.width, spec.height, Math.max(8, Math.round(spec.width / 40)), seed + 1),
    texture(spec.width, spec.height, 2, seed + 2),
  ]);
  const jpeg = await sharp(base)
    .composite([
      { input: blotches, blend: 'soft-light' },
      { input: grain, blend: 'overlay' },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  return { ...spec, seed, name: photoName(spec), jpeg };
}

/**
 * Generated photos for the tests and the benchmarks: banana-like curved shapes (yellow, green or brown, with a stalk and
 * spots) on a table-coloured background, rendered with sharp. Deterministic for a given
 * seed. The models are trained on real photos, so tests assert the shape of the answers,
 * never what the model finds.
 */
import sharp from 'sharp';

export interface SyntheticPhotoOptions {
  width?: number;
  height?: number;
  bananas?: number;
  format?: 'jpeg' | 'png' | 'webp';
  seed?: number;
}

const PEEL_COLOURS = ['#6b8e23', '#b5c937', '#f4d03f', '#f1c232', '#c99a2e', '#5c4326'];

/** A small deterministic PRNG (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function banana(rand: () => number, cx: number, cy: number, length: number): string {
  const colour = PEEL_COLOURS[Math.floor(rand() * PEEL_COLOURS.length)] ?? '#f4d03f';
  const angle = Math.round(rand() * 360);
  const half = length / 2;
  const bend = length * (0.25 + rand() * 0.15);
  const thickness = length * 0.22;
  const spots = Array.from({ length: 6 }, () => {
    const t = rand() * 0.8 - 0.4;
    return `<circle cx="${(t * length).toFixed(1)}" cy="${(-bend * (1 - 4 * t * t) * 0.5).toFixed(1)}" r="${(thickness * 0.08).toFixed(1)}" fill="#3b2a14" opacity="0.6"/>`;
  }).join('');
  return (
    `<g transform="translate(${cx.toFixed(1)} ${cy.toFixed(1)}) rotate(${angle})">` +
    `<path d="M ${-half} 0 Q 0 ${-bend} ${half} 0" fill="none" stroke="${colour}" stroke-width="${thickness.toFixed(1)}" stroke-linecap="round"/>` +
    `<path d="M ${-half} 0 Q 0 ${-bend} ${half} 0" fill="none" stroke="#000" stroke-opacity="0.12" stroke-width="${(thickness * 0.35).toFixed(1)}" transform="translate(0 ${(thickness * 0.25).toFixed(1)})"/>` +
    `<rect x="${half - thickness * 0.1}" y="${-thickness * 0.2}" width="${thickness * 0.45}" height="${thickness * 0.4}" fill="#4a3b1f" rx="2"/>` +
    spots +
    '</g>'
  );
}

/** Places `count` bananas on a grid so that they rarely overlap. */
export async function syntheticBananaPhoto(options: SyntheticPhotoOptions = {}): Promise<Buffer> {
  const { width = 1280, height = 960, bananas = 3, format = 'jpeg', seed = 1 } = options;
  const rand = seededRandom(seed);
  const columns = Math.max(1, Math.ceil(Math.sqrt((bananas * width) / height)));
  const rows = Math.max(1, Math.ceil(bananas / columns));
  const cell = { width: width / columns, height: height / rows };
  const shapes = Array.from({ length: bananas }, (_, i) => {
    const cx = ((i % columns) + 0.5) * cell.width;
    const cy = (Math.floor(i / columns) + 0.5) * cell.height;
    return banana(rand, cx, cy, Math.min(cell.width, cell.height) * 0.7);
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    '<defs><linearGradient id="table" x1="0" y1="0" x2="1" y2="1">' +
    '<stop offset="0" stop-color="#a98b6d"/><stop offset="1" stop-color="#7d6248"/></linearGradient></defs>' +
    `<rect width="${width}" height="${height}" fill="url(#table)"/>` +
    shapes.join('') +
    '</svg>';
  const image = sharp(Buffer.from(svg));
  if (format === 'png') return image.png().toBuffer();
  if (format === 'webp') return image.webp({ quality: 90 }).toBuffer();
  return image.jpeg({ quality: 90 }).toBuffer();
}

import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { GetModelInfoResponse } from '../../lib/gen/banana/v1/common.js';
import { letterboxGeometry, placeOnCanvas } from '../../lib/vision/index.js';

/**
 * What a client holding a decoded photo sends: the photo letterboxed to the input size that
 * GetModelInfo gives (never a copied constant), and its geometry.
 */
export async function letterboxed(photo: Buffer, info: GetModelInfoResponse) {
  const input = info.input;
  assert.ok(input);
  const { width, height } = await sharp(photo).metadata();
  const target = { width: input.width, height: input.height };
  const geometry = letterboxGeometry({ width, height }, target);
  const { data, info: scaled } = await sharp(photo)
    .resize(geometry.resized.width, geometry.resized.height, {
      fit: 'fill',
      kernel: input.resizeKernel as 'linear',
    })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const padValue = input.padValue as unknown as readonly [number, number, number];
  const canvas = placeOnCanvas(
    { data, width: scaled.width, height: scaled.height },
    target,
    geometry.offsetX,
    geometry.offsetY,
    padValue,
  );
  return {
    pixels: { rgb: Buffer.from(canvas.data), width: canvas.width, height: canvas.height },
    letterbox: {
      originalSize: { width, height },
      scale: geometry.scale,
      offsetX: geometry.offsetX,
      offsetY: geometry.offsetY,
    },
  };
}

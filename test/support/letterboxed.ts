import assert from 'node:assert/strict';
import type { GetModelInfoResponse } from '../../lib/gen/banana/v1/common.js';
import type { ResizeKernel, Triple } from '../../lib/model-card/index.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/limits.js';
import { decodeLetterboxed } from '../../lib/vision/index.js';

/**
 * What a client that prepares the detector's input sends: the photo decoded letterboxed
 * (lib/vision's decodeLetterboxed, as the function does) to the input size that GetModelInfo
 * gives (never a copied constant), and its geometry.
 */
export async function letterboxed(photo: Buffer, info: GetModelInfoResponse) {
  const input = info.input;
  assert.ok(input);
  const { image, geometry } = await decodeLetterboxed(
    photo,
    {
      width: input.width,
      height: input.height,
      padValue: input.padValue as unknown as Triple,
      kernel: input.resizeKernel as ResizeKernel,
    },
    { maxPixels: DEFAULT_MAX_IMAGE_PIXELS },
  );
  return {
    pixels: { rgb: Buffer.from(image.data), width: image.width, height: image.height },
    letterbox: {
      originalSize: geometry.source,
      scale: geometry.scale,
      offsetX: geometry.offsetX,
      offsetY: geometry.offsetY,
    },
  };
}

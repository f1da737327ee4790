import assert from 'node:assert/strict';
import type { GetModelInfoResponse } from '../../lib/gen/banana/v1/common.js';
import type { ResizeKernel, Triple } from '../../lib/model-card/index.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/limits.js';
import { decodeOriented, letterboxRgb } from '../../lib/vision/index.js';

/**
 * What a client holding a decoded photo sends: the photo letterboxed (lib/vision's
 * letterboxRgb, as the function does) to the input size that GetModelInfo gives (never a
 * copied constant), and its geometry.
 */
export async function letterboxed(photo: Buffer, info: GetModelInfoResponse) {
  const input = info.input;
  assert.ok(input);
  const decoded = await decodeOriented(photo, { maxPixels: DEFAULT_MAX_IMAGE_PIXELS });
  const { image, geometry } = await letterboxRgb(decoded, {
    width: input.width,
    height: input.height,
    padValue: input.padValue as unknown as Triple,
    kernel: input.resizeKernel as ResizeKernel,
  });
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

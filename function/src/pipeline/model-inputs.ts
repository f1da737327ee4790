/**
 * What travels to the model services: the detector's input letterboxed at its input size
 * (decoded at that size) with the letterbox geometry, and the classifier's crops at its input
 * size, cut from that decode or from the photo decoded at full resolution. Sizes, padding and kernels come
 * from GetModelInfo (model-specs.ts), so the services run their models on these pixels
 * without resampling them again.
 */
import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import type { LetterboxedImage } from '../../../lib/gen/banana/v1/detector.js';
import {
  cropBoxesFromDecodes,
  type Box,
  type LetterboxGeometry,
  type PixelInputSpec,
  type RgbImage,
  type ScaledPhoto,
} from '../../../lib/vision/index.js';

const asBuffer = (data: Uint8Array): Buffer =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const rawImage = (image: RgbImage): RawImage => ({
  rgb: asBuffer(image.data),
  width: image.width,
  height: image.height,
});

/** The Detect request's letterboxed pixels and geometry. */
export function letterboxedImage(pixels: RgbImage, geometry: LetterboxGeometry): LetterboxedImage {
  return {
    pixels: rawImage(pixels),
    letterbox: {
      originalSize: { width: geometry.source.width, height: geometry.source.height },
      scale: geometry.scale,
      offsetX: geometry.offsetX,
      offsetY: geometry.offsetY,
    },
  };
}

/**
 * Every box at the classifier's input size (lib/vision cropBoxesFromDecodes): cut from the
 * detector's scaled decode where the box keeps the input size there, else from the
 * full-resolution decode, which `full` starts only when some box needs it.
 */
export async function cropsForClassifier(
  boxes: readonly Box[],
  scaled: ScaledPhoto | undefined,
  full: () => Promise<RgbImage>,
  input: PixelInputSpec,
): Promise<RawImage[]> {
  return (await cropBoxesFromDecodes(boxes, scaled, full, input)).map(rawImage);
}

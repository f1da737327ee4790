/**
 * What travels to the model services: the detector's input letterboxed at its input size
 * (decoded at that size) with the letterbox geometry, and the classifier's crops at its input
 * size, cut from the photo decoded once at full resolution. Sizes, padding and kernels come
 * from GetModelInfo (model-specs.ts), so the services run their models on these pixels
 * without resampling them again.
 */
import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import type { LetterboxedImage } from '../../../lib/gen/banana/v1/detector.js';
import {
  boxToPixelRect,
  cropToModelInput,
  type Box,
  type LetterboxGeometry,
  type PixelInputSpec,
  type RgbImage,
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
 * Crops prepared at once: enough to keep libvips' threads busy, few enough that the padded
 * squares of many large boxes (side² x 3 bytes each) are not all held together.
 */
const CROPS_IN_FLIGHT = 4;

/**
 * Every box cut from the photo (the training code's pixel rule), padded to a centred square
 * and resized to the classifier's input: one row-copy pass and one resize per crop.
 */
export async function cropsForClassifier(
  image: RgbImage,
  boxes: readonly Box[],
  input: PixelInputSpec,
): Promise<RawImage[]> {
  const crops: RawImage[] = new Array<RawImage>(boxes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < boxes.length; i = next++) {
      const box = boxes[i] as Box;
      crops[i] = rawImage(await cropToModelInput(image, boxToPixelRect(box, image), input));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CROPS_IN_FLIGHT, boxes.length) }, worker));
  return crops;
}

import type { ImageInputSpec } from '../model-card/index.js';
import { assertUsableBox, boxToPixelRect } from './crop.js';
import { cropToModelInput } from './model-input.js';
import type { Box, RgbImage } from './types.js';

/** Pads a decoded crop to a centred square and resizes it to the classifier input. */
export async function preprocessCrop(crop: RgbImage, input: ImageInputSpec): Promise<RgbImage> {
  return cropToModelInput(crop, { left: 0, top: 0, width: crop.width, height: crop.height }, input);
}

/**
 * Each box of a decoded image (in its pixels, clipped to it) at the classifier's input size,
 * padded and resized straight from the image (cropToModelInput: no intermediate crop). Throws
 * ImageInputError naming the first unusable box, before any work.
 */
export async function cropBoxesToModelInput(
  image: RgbImage,
  boxes: readonly Box[],
  input: ImageInputSpec,
): Promise<RgbImage[]> {
  boxes.forEach((box, i) => {
    assertUsableBox(box, image, `box ${i}`);
  });
  return Promise.all(
    boxes.map((box) => cropToModelInput(image, boxToPixelRect(box, image), input)),
  );
}

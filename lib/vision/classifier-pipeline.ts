import type { ImageInputSpec } from '../model-card/index.js';
import { assertUsableBox, boxToPixelRect } from './crop.js';
import { cropToModelInput } from './model-input.js';
import { softmax } from './softmax.js';
import type { Box, RgbImage } from './types.js';

export interface ClassProbabilities {
  /** Index of the most probable class (the first one on ties). */
  index: number;
  /** Probability of that class. */
  confidence: number;
  /** Softmax over all classes, in model-card order. */
  probabilities: number[];
}

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

/** Splits [N, classes] logits into per-row softmax probabilities and the winning class. */
export function logitsToClassProbabilities(
  logits: Float32Array,
  classCount: number,
): ClassProbabilities[] {
  if (classCount < 1 || logits.length % classCount !== 0) {
    throw new RangeError(
      `classifier output has ${logits.length} values, not a multiple of ${classCount}`,
    );
  }
  const results: ClassProbabilities[] = [];
  for (let row = 0; row < logits.length; row += classCount) {
    const probabilities = softmax(logits.subarray(row, row + classCount));
    let index = 0;
    probabilities.forEach((p, i) => {
      if (p > (probabilities[index] ?? -Infinity)) index = i;
    });
    results.push({ index, confidence: probabilities[index] ?? 0, probabilities });
  }
  return results;
}

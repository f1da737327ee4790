/**
 * Which decode of a photo each classifier crop is cut from. The detector's input is a
 * shrink-on-load decode of the photo at its letterbox scale; a box whose padded square there
 * still has at least the classifier's input side is cut from those pixels, so neither the
 * full-resolution decode (format=none) nor a padded square of the full-resolution box is
 * needed for it. Smaller boxes are cut from the full-resolution decode, asked for only when
 * some box needs it.
 */
import { boxToPixelRect, type PixelRect } from './crop.js';
import { cropToModelInput, type PixelInputSpec } from './model-input.js';
import type { Box, RgbImage, Size } from './types.js';

/** The photo decoded at a lower resolution: its pixels, and the photo's size they stand for. */
export interface ScaledPhoto {
  image: RgbImage;
  source: Size;
}

/** The box in the scaled decode's pixels (the training code's pixel rule applied there). */
export function scaledPixelRect(box: Box, scaled: ScaledPhoto): PixelRect {
  const sx = scaled.image.width / scaled.source.width;
  const sy = scaled.image.height / scaled.source.height;
  return boxToPixelRect(
    { xMin: box.xMin * sx, yMin: box.yMin * sy, xMax: box.xMax * sx, yMax: box.yMax * sy },
    scaled.image,
  );
}

/** True when the box's padded square in the scaled decode is at least the input's size. */
export function keepsInputSize(rect: PixelRect, input: PixelInputSpec): boolean {
  const side = Math.max(rect.width, rect.height);
  return side >= input.width && side >= input.height;
}

/**
 * Crops prepared at once: enough to keep libvips' threads busy, few enough that the padded
 * squares of many large boxes (side² x 3 bytes each) are not all held together.
 */
const CROPS_IN_FLIGHT = 4;

/**
 * Every box (in the photo's pixels) at the classifier's input size, cut from `scaled` when it
 * keeps the input size there, else from `full()`, which is called at most once and only when
 * some box needs it. Crops come back in the order of the boxes.
 */
export async function cropBoxesFromDecodes(
  boxes: readonly Box[],
  scaled: ScaledPhoto | undefined,
  full: () => Promise<RgbImage>,
  input: PixelInputSpec,
): Promise<RgbImage[]> {
  const fromScaled = boxes.map((box) => {
    if (scaled === undefined) return undefined;
    const rect = scaledPixelRect(box, scaled);
    return keepsInputSize(rect, input) ? rect : undefined;
  });
  const fullImage = fromScaled.some((rect) => rect === undefined) ? full() : undefined;
  const crops = new Array<RgbImage>(boxes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < boxes.length; i = next++) {
      const rect = fromScaled[i];
      if (rect !== undefined && scaled !== undefined) {
        crops[i] = await cropToModelInput(scaled.image, rect, input);
      } else {
        const image = await (fullImage as Promise<RgbImage>);
        crops[i] = await cropToModelInput(image, boxToPixelRect(boxes[i] as Box, image), input);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CROPS_IN_FLIGHT, boxes.length) }, worker));
  return crops;
}

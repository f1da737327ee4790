/**
 * The detector's input and output around the model, in JavaScript alone (nothing from Node or
 * sharp): used by the detector service, the eval and the browser's device mode alike.
 */
import type { DetectorCard, ImageInputSpec } from '../model-card/types.js';
import { checkOption, type OptionName } from '../options/options.js';
import { unletterboxBox, type LetterboxGeometry } from './letterbox.js';
import { nonMaxSuppression } from './nms.js';
import { placedImagesTensor } from './tensor.js';
import { hasArea, type Box, type RgbImage, type ScoredBox } from './types.js';
import { decodeYoloHead } from './yolo-head.js';

/** The image scaled to geometry.resized (not yet padded), and where it goes. */
export interface ScaledForLetterbox {
  image: RgbImage;
  geometry: LetterboxGeometry;
}

export interface DetectorInput {
  /** [1, H, W, 3] uint8 RGB: the letterboxed image, fed to the model as it is. */
  tensor: Uint8Array;
  dims: [number, number, number, number];
  geometry: LetterboxGeometry;
}

export interface DetectionThresholds {
  /** Keep boxes with score >= minConfidence. */
  minConfidence: number;
  /** Suppress boxes overlapping a more confident one with IoU > iou. */
  iou: number;
  maxDetections: number;
}

/** Pads the scaled image onto the model canvas: the [1, H, W, 3] uint8 model input. */
export function letterboxTensor(scaled: ScaledForLetterbox, input: ImageInputSpec): DetectorInput {
  const { image, geometry } = scaled;
  if (geometry.target.width !== input.width || geometry.target.height !== input.height) {
    throw new RangeError(
      `letterbox target ${geometry.target.width}x${geometry.target.height} is not the ${input.width}x${input.height} model input`,
    );
  }
  return {
    tensor: placedImagesTensor([{ image, left: geometry.offsetX, top: geometry.offsetY }], input),
    dims: [1, input.height, input.width, 3],
    geometry,
  };
}

/** True if a box in model-input pixels covers some of the image, not only padding. */
function overlapsImage(box: Box, geometry: LetterboxGeometry): boolean {
  const { offsetX, offsetY, resized } = geometry;
  return (
    box.xMax > offsetX &&
    box.yMax > offsetY &&
    box.xMin < offsetX + resized.width &&
    box.yMin < offsetY + resized.height
  );
}

/**
 * Raw head -> score filter -> NMS (in model-input pixels) -> boxes in original-image
 * pixels, clamped to the image, most confident first. Boxes lying entirely in the padding
 * or outside the image are dropped before NMS (they would be empty once clamped).
 */
export function postprocessDetections(
  head: Float32Array,
  card: DetectorCard,
  geometry: LetterboxGeometry,
  thresholds: DetectionThresholds,
): ScoredBox[] {
  const candidates = decodeYoloHead(head, card.output.levels, thresholds.minConfidence).filter(
    ({ box }) => overlapsImage(box, geometry),
  );
  return nonMaxSuppression(candidates, thresholds.iou, thresholds.maxDetections)
    .map(({ box, score }) => ({ box: unletterboxBox(box, geometry), score }))
    .filter(({ box }) => hasArea(box));
}

/** Thresholds a caller asked for (numbers, or text from a form); absent: the card decides. */
export interface AskedThresholds {
  minConfidence?: number | string | undefined;
  iou?: number | string | undefined;
  maxDetections?: number | string | undefined;
}

/** The names a caller knows the thresholds by, for messages. */
export type ThresholdNames = Record<keyof AskedThresholds, string>;

/**
 * The asked thresholds, each defaulting to the model card's; a value outside its range in
 * lib/options is refused with `refuse("<name> <what is wrong>")`, the name as the caller
 * knows it. The detector service refuses with INVALID_ARGUMENT, the page's device mode with
 * the message it shows.
 */
export function resolveThresholds(
  asked: AskedThresholds,
  card: DetectorCard,
  names: ThresholdNames,
  refuse: (message: string) => Error,
): DetectionThresholds {
  const given = (key: keyof AskedThresholds, option: OptionName): number | undefined => {
    const value = asked[key];
    if (value === undefined || value === '') return undefined;
    const result = checkOption(option, value);
    if (result.error !== undefined) throw refuse(`${names[key]} ${result.error}`);
    return result.value as number;
  };
  return {
    minConfidence: given('minConfidence', 'min_confidence') ?? card.thresholds.confidence,
    iou: given('iou', 'iou') ?? card.thresholds.iou,
    maxDetections: given('maxDetections', 'max_detections') ?? card.thresholds.maxDetections,
  };
}

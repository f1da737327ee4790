import type { DetectorCard, ImageInputSpec } from '../model-card/index.js';
import { placeOnCanvas } from './canvas.js';
import { decodeResized, readImageSize, type DecodeLimits } from './decode.js';
import { letterboxGeometry, unletterboxBox, type LetterboxGeometry } from './letterbox.js';
import { nonMaxSuppression } from './nms.js';
import type { PixelInputSpec } from './model-input.js';
import { placedImagesTensor } from './tensor.js';
import { hasArea, type Box, type RgbImage, type ScoredBox, type Size } from './types.js';
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

function targetSize(input: { width: number; height: number }) {
  return { width: input.width, height: input.height };
}

/**
 * Decodes directly at the letterboxed size (JPEG/WebP shrink-on-load keeps big photos
 * cheap). `source` is the EXIF-oriented size when the caller has read it already; otherwise
 * the header is read here.
 */
export async function decodeScaledForLetterbox(
  bytes: Uint8Array,
  input: PixelInputSpec,
  limits: DecodeLimits,
  source?: Size,
): Promise<ScaledForLetterbox> {
  const size = source ?? (await readImageSize(bytes, limits));
  const geometry = letterboxGeometry(size, targetSize(input));
  const image = await decodeResized(bytes, geometry.resized, input.kernel, limits);
  return { image, geometry };
}

/**
 * The detector's input as pixels: decodeScaledForLetterbox, then padded onto the model
 * canvas with the card's pad value. The detector service's path for encoded images, and the
 * function's (which sends these pixels); `npm run eval` feeds the same pixels as a tensor.
 * `scaled` is the decode before padding (geometry.resized), where large boxes are cropped.
 */
export async function decodeLetterboxed(
  bytes: Uint8Array,
  input: PixelInputSpec,
  limits: DecodeLimits,
  source?: Size,
): Promise<{ image: RgbImage; geometry: LetterboxGeometry; scaled: RgbImage }> {
  const { image, geometry } = await decodeScaledForLetterbox(bytes, input, limits, source);
  return {
    scaled: image,
    image: placeOnCanvas(
      image,
      geometry.target,
      geometry.offsetX,
      geometry.offsetY,
      input.padValue,
    ),
    geometry,
  };
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

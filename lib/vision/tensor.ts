import type { ImageInputSpec, Triple } from '../model-card/index.js';
import { filledImage, placeInto } from './canvas.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

/**
 * The models take 8-bit RGB pixels as they are, [N, H, W, 3] uint8 (NHWC, the decoders'
 * layout); cast and normalisation happen inside the graph. Building an input is therefore
 * placing images on model-size canvases: row copies, no per-pixel arithmetic.
 */

/** An image and where its top-left corner goes on the model input. */
export interface PlacedImage {
  image: RgbImage;
  left: number;
  top: number;
}

/**
 * Images of exactly input.width x input.height as one [N, H, W, 3] uint8 tensor. A single
 * image that owns its whole buffer is returned as it is (no copy).
 */
export function toInputTensor(images: readonly RgbImage[], input: ImageInputSpec): Uint8Array {
  images.forEach((image, n) => {
    if (image.width !== input.width || image.height !== input.height) {
      throw new RangeError(
        `image ${n} is ${image.width}x${image.height}, the model input is ${input.width}x${input.height}`,
      );
    }
  });
  return placedImagesTensor(
    images.map((image) => ({ image, left: 0, top: 0 })),
    input,
  );
}

/**
 * An [N, H, W, 3] uint8 tensor of the model input, one item per image: the image at
 * (left, top), the rest `fill`. Letterboxing (and batching) in one buffer. When the items are
 * one image covering the whole input, its own pixels are the tensor (no copy).
 */
export function placedImagesTensor(
  items: readonly PlacedImage[],
  input: ImageInputSpec,
  fill: Triple = input.padValue,
): Uint8Array {
  const itemBytes = input.width * input.height * RGB_CHANNELS;
  const only = items.length === 1 ? items[0] : undefined;
  if (
    only?.image.width === input.width &&
    only.image.height === input.height &&
    only.image.data.length === itemBytes
  ) {
    return only.image.data;
  }
  const tensor = new Uint8Array(items.length * itemBytes);
  items.forEach(({ image, left, top }, n) => {
    const item = tensor.subarray(n * itemBytes, (n + 1) * itemBytes);
    placeInto(item, input, image, left, top, fill);
  });
  return tensor;
}

/**
 * A [1, H, W, 3] input showing nothing but padding, as a one-image pixel batch: a
 * representative warm-up input.
 */
export function paddingTensor(input: ImageInputSpec) {
  const { data, width, height } = filledImage(input, input.padValue);
  return { pixels: data, images: [{ offset: 0, width, height, left: 0, top: 0 }] };
}

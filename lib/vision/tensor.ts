import type { ImageInputSpec, Normalization, Triple } from '../model-card/index.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

type ChannelTables = readonly [Float32Array, Float32Array, Float32Array];

/** value[pixel] = (pixel * scale - mean[c]) / std[c] for one channel. */
function channelTable(normalization: Normalization, channel: 0 | 1 | 2): Float32Array {
  const table = new Float32Array(256);
  for (let pixel = 0; pixel < 256; pixel++) {
    table[pixel] =
      (pixel * normalization.scale - normalization.mean[channel]) / normalization.std[channel];
  }
  return table;
}

function channelTables(normalization: Normalization): ChannelTables {
  return [
    channelTable(normalization, 0),
    channelTable(normalization, 1),
    channelTable(normalization, 2),
  ];
}

/**
 * Normalises `image` into the three planes of one tensor item starting at `base`, its
 * top-left corner at (left, top) of a `planeWidth` x `planeHeight` plane. One tight loop per
 * row (this runs on the services' main thread for every request).
 */
function writePlanes(
  tensor: Float32Array,
  base: number,
  planeWidth: number,
  planeHeight: number,
  image: RgbImage,
  left: number,
  top: number,
  [red, green, blue]: ChannelTables,
): void {
  const plane = planeWidth * planeHeight;
  const { data, width, height } = image;
  for (let y = 0; y < height; y++) {
    let target = base + (top + y) * planeWidth + left;
    const end = target + width;
    for (let source = y * width * RGB_CHANNELS; target < end; target++, source += RGB_CHANNELS) {
      tensor[target] = red[data[source] as number] as number;
      tensor[target + plane] = green[data[source + 1] as number] as number;
      tensor[target + 2 * plane] = blue[data[source + 2] as number] as number;
    }
  }
}

/**
 * Packs images of exactly input.width x input.height into one NCHW float32 tensor
 * (N = images.length), normalised per the model card.
 */
export function toNchwTensor(images: readonly RgbImage[], input: ImageInputSpec): Float32Array {
  const plane = input.width * input.height;
  const tensor = new Float32Array(images.length * RGB_CHANNELS * plane);
  const tables = channelTables(input.normalization);
  images.forEach((image, n) => {
    if (image.width !== input.width || image.height !== input.height) {
      throw new RangeError(
        `image ${n} is ${image.width}x${image.height}, the model input is ${input.width}x${input.height}`,
      );
    }
    writePlanes(tensor, n * RGB_CHANNELS * plane, input.width, input.height, image, 0, 0, tables);
  });
  return tensor;
}

/** An image and where its top-left corner goes on the model input. */
export interface PlacedImage {
  image: RgbImage;
  left: number;
  top: number;
}

/**
 * An [N, 3, H, W] tensor of the model input, one item per image: filled with the normalised
 * `fill` colour, the image placed at (left, top). Letterboxing (and batching) without an
 * intermediate RGB canvas.
 */
export function placedImagesTensor(
  items: readonly PlacedImage[],
  input: ImageInputSpec,
  fill: Triple = input.padValue,
): Float32Array {
  const plane = input.width * input.height;
  const tensor = new Float32Array(items.length * RGB_CHANNELS * plane);
  const tables = channelTables(input.normalization);
  items.forEach(({ image, left, top }, n) => {
    if (
      left < 0 ||
      top < 0 ||
      left + image.width > input.width ||
      top + image.height > input.height
    ) {
      throw new RangeError(
        `a ${image.width}x${image.height} image at (${left}, ${top}) does not fit a ${input.width}x${input.height} input`,
      );
    }
    const base = n * RGB_CHANNELS * plane;
    const covered = image.width === input.width && image.height === input.height;
    if (!covered) {
      tables.forEach((table, c) => {
        tensor.fill(
          table[fill[c as 0 | 1 | 2]] as number,
          base + c * plane,
          base + (c + 1) * plane,
        );
      });
    }
    writePlanes(tensor, base, input.width, input.height, image, left, top, tables);
  });
  return tensor;
}

/** placedImagesTensor for one image: a [1, 3, H, W] tensor. */
export function placedNchwTensor(
  image: RgbImage,
  input: ImageInputSpec,
  left: number,
  top: number,
  fill: Triple = input.padValue,
): Float32Array {
  return placedImagesTensor([{ image, left, top }], input, fill);
}

/** A [1, 3, H, W] input showing nothing but padding: a representative warm-up input. */
export function paddingTensor(input: ImageInputSpec): { data: Float32Array; dims: number[] } {
  const empty: RgbImage = { data: new Uint8Array(0), width: 0, height: 0 };
  return {
    data: placedNchwTensor(empty, input, 0, 0),
    dims: [1, RGB_CHANNELS, input.height, input.width],
  };
}

import type { ImageInputSpec, Normalization } from '../model-card/index.js';
import { filledImage } from './canvas.js';
import { RGB_CHANNELS, type RgbImage } from './types.js';

/** value[pixel] = (pixel * scale - mean[c]) / std[c] for one channel. */
function channelTable(normalization: Normalization, channel: 0 | 1 | 2): Float32Array {
  const table = new Float32Array(256);
  for (let pixel = 0; pixel < 256; pixel++) {
    table[pixel] =
      (pixel * normalization.scale - normalization.mean[channel]) / normalization.std[channel];
  }
  return table;
}

/**
 * Packs images of exactly input.width x input.height into one NCHW float32 tensor
 * (N = images.length), normalised per the model card.
 */
export function toNchwTensor(images: readonly RgbImage[], input: ImageInputSpec): Float32Array {
  const plane = input.width * input.height;
  const tensor = new Float32Array(images.length * RGB_CHANNELS * plane);
  const tables = [0, 1, 2].map((c) => channelTable(input.normalization, c as 0 | 1 | 2));
  const [red, green, blue] = tables as [Float32Array, Float32Array, Float32Array];
  images.forEach((image, n) => {
    if (image.width !== input.width || image.height !== input.height) {
      throw new RangeError(
        `image ${n} is ${image.width}x${image.height}, the model input is ${input.width}x${input.height}`,
      );
    }
    const { data } = image;
    const base = n * RGB_CHANNELS * plane;
    for (let p = 0, s = 0; p < plane; p++, s += RGB_CHANNELS) {
      tensor[base + p] = red[data[s] ?? 0] ?? 0;
      tensor[base + plane + p] = green[data[s + 1] ?? 0] ?? 0;
      tensor[base + 2 * plane + p] = blue[data[s + 2] ?? 0] ?? 0;
    }
  });
  return tensor;
}

/** A [1, 3, H, W] input showing nothing but padding: a representative warm-up input. */
export function paddingTensor(input: ImageInputSpec): { data: Float32Array; dims: number[] } {
  return {
    data: toNchwTensor([filledImage(input, input.padValue)], input),
    dims: [1, RGB_CHANNELS, input.height, input.width],
  };
}

/** Messages between the inference pool (main thread) and its workers. */
import type { ImageInputSpec } from '../model-card/index.js';
import { RGB_CHANNELS } from '../vision/types.js';

/** A float32 tensor (the models' outputs). */
export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * 8-bit RGB images for the model's [N, H, W, 3] uint8 input: all pixels packed in one buffer,
 * and per image where its pixels are and where it goes on the model input (the rest is the
 * card's padding). Images that cover the whole input, packed in order, are the input tensor
 * as they are (no copy in the worker).
 */
export interface PixelBatch {
  pixels: Uint8Array;
  images: ReadonlyArray<{
    offset: number;
    width: number;
    height: number;
    left: number;
    top: number;
  }>;
}

/** What a caller hands the pool: one request's images. */
export type ModelInput = PixelBatch;

export interface WorkerSetup {
  modelPath: string;
  inputName: string;
  outputName: string;
  intraOpThreads: number;
  /** The model input: size and padding. */
  imageInput: ImageInputSpec;
}

/** One model call over the images of one or more requests, in order. */
export interface RunRequest {
  id: number;
  inputs: PixelBatch[];
}

/** Per request of a model call: its rows of the output, or why it could not run. */
export type RunOutcome =
  | {
      output: TensorData;
      /** Images in the model call that produced it (this request's and its batch-mates'). */
      batchSize: number;
    }
  | { error: string };

export type WorkerReply =
  | { type: 'ready' }
  | {
      type: 'result';
      id: number;
      outcomes: RunOutcome[];
      /** Building the input tensor from the pixel batches (0 when handed over as it is). */
      preprocessSeconds: number;
      inferenceSeconds: number;
    };

/** Packs images (pixel data possibly shared or external) into one transferable PixelBatch. */
export function packPixelBatch(
  items: ReadonlyArray<{
    image: { data: Uint8Array; width: number; height: number };
    left: number;
    top: number;
  }>,
): PixelBatch {
  const pixels = new Uint8Array(items.reduce((sum, { image }) => sum + image.data.length, 0));
  let offset = 0;
  const images = items.map(({ image, left, top }) => {
    pixels.set(image.data, offset);
    const placed = { offset, width: image.width, height: image.height, left, top };
    offset += image.data.length;
    return placed;
  });
  return { pixels, images };
}

/** How many model inputs (batch items) `input` holds. */
export function batchSizeOf(input: ModelInput): number {
  return input.images.length;
}

/**
 * Why `batch` cannot be placed on the model input (undefined when it can): no images, an
 * image whose pixels lie outside the buffer, or one that does not fit the input at its place.
 */
export function pixelBatchProblem(batch: PixelBatch, input: ImageInputSpec): string | undefined {
  if (batch.images.length === 0) return 'the pixel batch holds no images';
  for (const [n, { offset, width, height, left, top }] of batch.images.entries()) {
    const numbers = [offset, width, height, left, top];
    if (!numbers.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      return `image ${n}: offset, size and place must be non-negative integers`;
    }
    if (offset + width * height * RGB_CHANNELS > batch.pixels.length) {
      return `image ${n}: ${width}x${height} RGB pixels at offset ${offset} overrun the ${batch.pixels.length}-byte buffer`;
    }
    if (left + width > input.width || top + height > input.height) {
      return `image ${n}: a ${width}x${height} image at (${left}, ${top}) does not fit the ${input.width}x${input.height} model input`;
    }
  }
  return undefined;
}

/** True when the array spans its whole buffer, so the buffer can be transferred as it is. */
function ownsWholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

/** The input with pixels that own their buffer (copied first if they are a view), for transfer. */
export function ownedInput(input: ModelInput): ModelInput {
  const { pixels } = input;
  return ownsWholeBuffer(pixels) ? input : { pixels: pixels.slice(), images: input.images };
}

/** The buffer to transfer for zero-copy posting; copies first if the array is a view. */
export function ownedTensor(tensor: TensorData): TensorData {
  const { data } = tensor;
  return ownsWholeBuffer(data) ? tensor : { data: data.slice(), dims: tensor.dims };
}

export function transferableOf(input: ModelInput): ArrayBuffer {
  return input.pixels.buffer as ArrayBuffer;
}

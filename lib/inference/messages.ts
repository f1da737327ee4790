/** Messages between the inference pool (main thread) and its workers. */
import type { ImageInputSpec } from '../model-card/index.js';

export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * 8-bit RGB images that the worker turns into the model's normalised NCHW input itself (so
 * that work stays off the main thread): all pixels packed in one buffer, and per image where
 * its pixels are and where it goes on the model input (the rest is padding).
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

export type ModelInput = TensorData | PixelBatch;

export function isPixelBatch(input: ModelInput): input is PixelBatch {
  return 'pixels' in input;
}

export interface WorkerSetup {
  modelPath: string;
  inputName: string;
  outputName: string;
  intraOpThreads: number;
  /** The model input (size, normalisation, padding): needed to run PixelBatch inputs. */
  imageInput?: ImageInputSpec;
}

export interface RunRequest {
  id: number;
  input: ModelInput;
}

export type WorkerReply =
  | { type: 'ready' }
  | {
      type: 'result';
      id: number;
      output: TensorData;
      /** Building the tensor from a PixelBatch (0 for tensor inputs). */
      preprocessSeconds: number;
      inferenceSeconds: number;
    }
  | { type: 'failed'; id: number; message: string };

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
  return isPixelBatch(input) ? input.images.length : (input.dims[0] ?? 1);
}

/** True when the array spans its whole buffer, so the buffer can be transferred as it is. */
function ownsWholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

/** The buffer to transfer for zero-copy posting (copied first if it is a view). */
export function ownedInput(input: ModelInput): ModelInput {
  if (!isPixelBatch(input)) return ownedTensor(input);
  const { pixels } = input;
  return ownsWholeBuffer(pixels) ? input : { pixels: pixels.slice(), images: input.images };
}

export function transferableOf(input: ModelInput): ArrayBuffer {
  return (isPixelBatch(input) ? input.pixels.buffer : input.data.buffer) as ArrayBuffer;
}

/** The buffer to transfer for zero-copy posting; copies first if the array is a view. */
export function ownedTensor(tensor: TensorData): TensorData {
  const { data } = tensor;
  return ownsWholeBuffer(data) ? tensor : { data: data.slice(), dims: tensor.dims };
}

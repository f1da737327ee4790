import type { InferOutput, ModelServiceContext } from '../model-service/types.js';
import { invalidArgument } from '../grpc-server/request-error.js';
import type { PixelBatch } from '../inference/index.js';
import { RGB_CHANNELS } from '../vision/types.js';
import {
  type InferenceModel,
  type InferRequest,
  type Parameters,
  type RequestedOutput,
} from './model.js';
import {
  bytesOf,
  checkTensorType,
  formatShape,
  inputBytes,
  type RawTensor,
  type TensorMetadata,
} from './tensors.js';

/** Computes an extra output from the model's output, once the request's parameters are known. */
export type OutputComputer = (modelOutput: InferOutput) => RawTensor;

/**
 * An output computed from the model's output (post-processing) that a caller may ask for by
 * name. `prepare` checks the parameters (refusing bad ones before the model runs) and returns
 * the computation.
 */
export interface ExtraOutput {
  metadata: TensorMetadata;
  prepare(parameters: Parameters, images: number): OutputComputer;
}

/** The card facts the protocol describes: names, version, input size. */
export interface ImageModelIdentity {
  name: string;
  version: string;
  input: { name: string; width: number; height: number };
  output: { name: string };
}

export interface ImageModelOptions {
  card: ImageModelIdentity;
  /** The model output's shape, -1 for the batch dimension, e.g. [-1, N, 5]. */
  outputShape: readonly number[];
  /** The service's model runner, admission, metrics and MAX_BATCH. */
  context: Pick<
    ModelServiceContext<unknown, { maxBatch: number }>,
    'infer' | 'admitPixels' | 'metrics' | 'config'
  >;
  extraOutputs?: readonly ExtraOutput[];
  /** The defaults of the request parameters, shown in the metadata. */
  parameters?: Parameters;
}

/** The onnxruntime platform name of the protocol (Triton's). */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

/** The one input tensor: the images, checked against the model's input; shape and bytes. */
function imagesOf(
  request: InferRequest,
  input: TensorMetadata,
  modelName: string,
): { shape: readonly number[]; data: Uint8Array } {
  const names = request.inputs.map((tensor) => tensor.name);
  const unknown = names.find((name) => name !== input.name);
  if (unknown !== undefined) {
    throw invalidArgument(`unknown input "${unknown}": ${modelName} takes "${input.name}"`);
  }
  const [images] = request.inputs;
  if (!images) {
    throw invalidArgument(
      `no input: ${modelName} takes "${input.name}" ${input.datatype} ${formatShape(input.shape)}`,
    );
  }
  if (names.length > 1) throw invalidArgument(`input "${input.name}" is sent more than once`);
  checkTensorType(images, input, modelName);
  return { shape: images.shape, data: inputBytes(images) };
}

/** The outputs to compute, in the order asked (the model's own output when none is asked). */
function outputsOf(
  requested: readonly RequestedOutput[],
  available: readonly string[],
  modelName: string,
): RequestedOutput[] {
  if (requested.length === 0) return [{ name: available[0] ?? '', parameters: {} }];
  const seen = new Set<string>();
  for (const { name } of requested) {
    if (!available.includes(name)) {
      throw invalidArgument(
        `unknown output "${name}": ${modelName} has ${available.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    if (seen.has(name)) throw invalidArgument(`output "${name}" is asked for more than once`);
    seen.add(name);
  }
  return [...requested];
}

/** The images of an [N, H, W, 3] uint8 tensor, each covering the whole model input. */
function pixelBatchOf(images: { shape: readonly number[]; data: Uint8Array }): PixelBatch {
  const [count = 0, height = 0, width = 0] = images.shape;
  const size = width * height * RGB_CHANNELS;
  return {
    pixels: images.data,
    images: Array.from({ length: count }, (_, n) => ({
      offset: n * size,
      width,
      height,
      left: 0,
      top: 0,
    })),
  };
}

/**
 * An image model of a model service as the protocol's model: input `<input name>` UINT8
 * [-1, H, W, 3] (the card's size), the model's FP32 output, and any extra outputs. ModelInfer
 * takes the same path as the service's own API: the pixels are admitted to the decode budget
 * (MAX_INFLIGHT_PIXELS) for as long as they are in work, and run through the service's
 * inference pool (queue, cross-request batching, metrics, spans).
 */
export function createImageModel(options: ImageModelOptions): InferenceModel {
  const { card, context, extraOutputs = [] } = options;
  const input: TensorMetadata = {
    name: card.input.name,
    datatype: 'UINT8',
    shape: [-1, card.input.height, card.input.width, RGB_CHANNELS],
  };
  const output: TensorMetadata = {
    name: card.output.name,
    datatype: 'FP32',
    shape: options.outputShape,
  };
  const extras = new Map(extraOutputs.map((extra) => [extra.metadata.name, extra]));
  const outputNames = [output.name, ...extras.keys()];
  const metadata = {
    name: card.name,
    versions: [card.version],
    platform: ONNX_PLATFORM,
    inputs: [input],
    outputs: [output, ...extraOutputs.map((extra) => extra.metadata)],
    ...(options.parameters && { parameters: options.parameters }),
  };

  return {
    metadata,
    version: card.version,
    /** The name and version are the server's to check (server.ts). */
    async infer(request, signal) {
      const images = imagesOf(request, input, card.name);
      const count = images.shape[0] ?? 0;
      const { maxBatch } = context.config;
      if (count > maxBatch) {
        throw invalidArgument(
          `input "${input.name}" holds a batch of ${count} images, above the limit of ${maxBatch} (MAX_BATCH)`,
        );
      }
      const plan = outputsOf(request.outputs, outputNames, card.name).map(
        ({ name, parameters }) => {
          const extra = extras.get(name);
          return extra?.prepare({ ...request.parameters, ...parameters }, count);
        },
      );
      const pixels = count * card.input.width * card.input.height;
      const modelOutput = await context.admitPixels(pixels, `input "${input.name}"`, signal, () =>
        context.infer(pixelBatchOf(images), signal),
      );
      context.metrics.observeStage('preprocess', modelOutput.preprocessSeconds);
      const outputs = plan.map((compute) =>
        compute
          ? context.metrics.time('postprocess', () => compute(modelOutput))
          : {
              ...output,
              shape: [...modelOutput.dims],
              data: bytesOf(modelOutput.data),
            },
      );
      return {
        modelName: card.name,
        modelVersion: card.version,
        id: request.id,
        outputs,
      };
    },
  };
}

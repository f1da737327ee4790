/**
 * The `metadata` and `infer` verbs of `npm run grpc`: the Open Inference Protocol's
 * ModelMetadata and ModelInfer (inference.GRPCInferenceService) as any standard client calls
 * them; photos are letterboxed to the model's input size (from ModelMetadata) and sent as
 * raw UINT8 tensors.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/limits.js';
import type {
  InferParameter,
  ModelInferResponse,
  ModelMetadataResponse,
} from '../../lib/gen/inference/grpc_predict_v2.js';
import {
  bytesToValues,
  type OpenInferenceClient,
  type ParameterValue,
} from '../../lib/open-inference/index.js';
import { decodeLetterboxed } from '../../lib/vision/index.js';

export interface InferArgs {
  model: string;
  images: string[];
  outputs: string[];
  parameters: Record<string, ParameterValue>;
}

/** Both models' cards pad with this grey and resize with this kernel (models/*.json). */
const PAD: [number, number, number] = [114, 114, 114];

function inferParameter(value: ParameterValue): InferParameter {
  if (typeof value === 'boolean') return { boolParam: value };
  if (typeof value === 'string') return { stringParam: value };
  return Number.isInteger(value) ? { int64Param: value } : { doubleParam: value };
}

/** The input's height and width from ModelMetadata ([-1, H, W, 3]). */
function inputSize(metadata: ModelMetadataResponse) {
  const [input] = metadata.inputs;
  const [, height, width, channels] = input?.shape ?? [];
  if (!input || input.datatype !== 'UINT8' || !height || !width || channels !== 3) {
    throw new Error(`${metadata.name} does not take UINT8 images [-1, H, W, 3]`);
  }
  return { name: input.name, width, height };
}

/** The answer with every output's elements as rows of its last dimension. */
function readable(answer: ModelInferResponse) {
  return {
    model_name: answer.modelName,
    model_version: answer.modelVersion,
    outputs: answer.outputs.map(({ name, datatype, shape }, i) => {
      const values = bytesToValues(datatype, answer.rawOutputContents[i] ?? Buffer.alloc(0));
      const width = shape.at(-1) ?? 1;
      const rows = Array.from({ length: values.length / width }, (_, r) =>
        values.slice(r * width, (r + 1) * width).map((v) => Math.round(v * 1e4) / 1e4),
      );
      return { name, datatype, shape, data: rows };
    }),
  };
}

export async function inferImages(client: OpenInferenceClient, args: InferArgs) {
  const input = inputSize(await client.modelMetadata(args.model));
  const images = await Promise.all(
    args.images.map(async (path) => {
      const bytes = await readFile(path).catch((error: unknown) => {
        throw new Error(`cannot read ${path}: ${(error as Error).message}`);
      });
      const { image } = await decodeLetterboxed(
        bytes,
        { width: input.width, height: input.height, padValue: PAD, kernel: 'linear' },
        { maxPixels: DEFAULT_MAX_IMAGE_PIXELS },
      );
      return image.data;
    }),
  );
  const parameters = Object.fromEntries(
    Object.entries(args.parameters).map(([key, value]) => [key, inferParameter(value)]),
  );
  const answer = await client.modelInfer({
    modelName: args.model,
    inputs: [
      { name: input.name, datatype: 'UINT8', shape: [images.length, input.height, input.width, 3] },
    ],
    rawInputContents: [Buffer.concat(images)],
    parameters,
    outputs: args.outputs.map((name) => ({ name })),
  });
  return readable(answer);
}

/** JSON with each innermost array of numbers on one line (tensor rows stay readable). */
export function formatTensors(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
}

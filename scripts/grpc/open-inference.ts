/**
 * The `metadata` and `infer` verbs of `npm run grpc`: the Open Inference Protocol's
 * ModelMetadata and ModelInfer as any standard client calls them, over gRPC
 * (inference.GRPCInferenceService) or, with --rest URL, over its REST API (`GET /v2/models/M`,
 * `POST /v2/models/M/infer` with JSON tensors). Photos are letterboxed to the model's input
 * size (from ModelMetadata) and sent as UINT8 tensors: raw bytes over gRPC, a flat `data`
 * array over REST.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/limits.js';
import type { InferParameter } from '../../lib/gen/inference/grpc_predict_v2.js';
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

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** The images as one UINT8 batch for the model's input. */
export interface ImageBatch {
  model: string;
  input: TensorMetadata;
  pixels: Buffer;
  parameters: Record<string, ParameterValue>;
  outputs: string[];
}

/** A tensor of the answer, its elements flattened. */
interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  values: number[];
}

interface InferAnswer {
  model_name: string;
  model_version: string;
  outputs: OutputTensor[];
}

/** How the calls travel: gRPC or REST. */
export interface InferenceTransport {
  modelMetadata(model: string): Promise<{ inputs: TensorMetadata[] } & Record<string, unknown>>;
  infer(batch: ImageBatch): Promise<InferAnswer>;
}

function inferParameter(value: ParameterValue): InferParameter {
  if (typeof value === 'boolean') return { boolParam: value };
  if (typeof value === 'string') return { stringParam: value };
  return Number.isInteger(value) ? { int64Param: value } : { doubleParam: value };
}

/** inference.GRPCInferenceService through the typed client. */
export function grpcTransport(client: OpenInferenceClient): InferenceTransport {
  return {
    modelMetadata: async (model) => ({ ...(await client.modelMetadata(model)) }),
    async infer(batch) {
      const answer = await client.modelInfer({
        modelName: batch.model,
        inputs: [batch.input],
        rawInputContents: [batch.pixels],
        parameters: Object.fromEntries(
          Object.entries(batch.parameters).map(([key, value]) => [key, inferParameter(value)]),
        ),
        outputs: batch.outputs.map((name) => ({ name })),
      });
      return {
        model_name: answer.modelName,
        model_version: answer.modelVersion,
        outputs: answer.outputs.map(({ name, datatype, shape }, i) => ({
          name,
          datatype,
          shape,
          values: bytesToValues(datatype, answer.rawOutputContents[i] ?? Buffer.alloc(0)),
        })),
      };
    },
  };
}

/** The REST body of an infer request: JSON tensors, as the protocol's REST API takes them. */
function restInferBody(batch: ImageBatch) {
  return {
    inputs: [{ ...batch.input, data: Array.from(batch.pixels) }],
    ...(Object.keys(batch.parameters).length > 0 && { parameters: batch.parameters }),
    ...(batch.outputs.length > 0 && { outputs: batch.outputs.map((name) => ({ name })) }),
  };
}

/** The Open Inference REST API at `url` (a service's metrics port, e.g. http://127.0.0.1:9091). */
export function restTransport(url: string, apiKey?: string): InferenceTransport {
  const call = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(apiKey !== undefined && { authorization: `Bearer ${apiKey}` }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }).catch((error: unknown) => {
      throw new Error(`no Open Inference REST API answered at ${url}: ${(error as Error).message}`);
    });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${String(answer.error)}`);
    return answer;
  };
  const model = (name: string) => `/v2/models/${encodeURIComponent(name)}`;
  return {
    modelMetadata: async (name) => (await call(model(name))) as { inputs: TensorMetadata[] },
    async infer(batch) {
      const answer = (await call(`${model(batch.model)}/infer`, restInferBody(batch))) as {
        model_name: string;
        model_version?: string;
        outputs: (TensorMetadata & { data: number[] })[];
      };
      return {
        model_name: answer.model_name,
        model_version: answer.model_version ?? '',
        outputs: answer.outputs.map(({ name, datatype, shape, data }) => ({
          name,
          datatype,
          shape,
          values: data,
        })),
      };
    },
  };
}

/** The input's name, height and width from ModelMetadata ([-1, H, W, 3]). */
function inputSize(model: string, metadata: { inputs: TensorMetadata[] }) {
  const [input] = metadata.inputs;
  const [, height, width, channels] = input?.shape ?? [];
  if (!input || input.datatype !== 'UINT8' || !height || !width || channels !== 3) {
    throw new Error(`${model} does not take UINT8 images [-1, H, W, 3]`);
  }
  return { name: input.name, width, height };
}

/** The answer with every output's elements as rows of its last dimension. */
function readable(answer: InferAnswer) {
  return {
    model_name: answer.model_name,
    model_version: answer.model_version,
    outputs: answer.outputs.map(({ name, datatype, shape, values }) => {
      const width = shape.at(-1) ?? 1;
      const rows = Array.from({ length: values.length / width }, (_, r) =>
        values.slice(r * width, (r + 1) * width).map((v) => Math.round(v * 1e4) / 1e4),
      );
      return { name, datatype, shape, data: rows };
    }),
  };
}

/** The photos letterboxed to the model's input, as one batch. */
async function imageBatch(transport: InferenceTransport, args: InferArgs): Promise<ImageBatch> {
  const input = inputSize(args.model, await transport.modelMetadata(args.model));
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
  return {
    model: args.model,
    input: {
      name: input.name,
      datatype: 'UINT8',
      shape: [images.length, input.height, input.width, 3],
    },
    pixels: Buffer.concat(images),
    parameters: args.parameters,
    outputs: args.outputs,
  };
}

export async function inferImages(transport: InferenceTransport, args: InferArgs) {
  return readable(await transport.infer(await imageBatch(transport, args)));
}

/** JSON with each innermost array of numbers on one line (tensor rows stay readable). */
export function formatTensors(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
}

import type {
  GRPCInferenceServiceService,
  InferParameter,
  InferTensorContents,
  ModelInferRequest,
  ModelInferRequest_InferInputTensor as ProtoInput,
  ModelInferResponse,
} from '../gen/inference/grpc_predict_v2.js';
import type { AsyncHandlers } from '../grpc-server/handlers.js';
import { invalidArgument } from '../grpc-server/request-error.js';
import type { InferRequest, InferResponse, ParameterValue, Parameters } from './model.js';
import type { InferenceServer } from './server.js';
import type { InputTensor } from './tensors.js';

/** The typed contents field that carries each data type's elements. */
const CONTENTS_FIELD: Record<string, keyof InferTensorContents> = {
  BOOL: 'boolContents',
  UINT8: 'uintContents',
  UINT16: 'uintContents',
  UINT32: 'uintContents',
  UINT64: 'uint64Contents',
  INT8: 'intContents',
  INT16: 'intContents',
  INT32: 'intContents',
  INT64: 'int64Contents',
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

/** "uintContents" -> "contents.uint_contents": the field as the .proto names it. */
const protoName = (field: string) =>
  `contents.${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

function parametersOf(map: Record<string, InferParameter>): Parameters {
  const out: Record<string, ParameterValue> = {};
  for (const [key, p] of Object.entries(map)) {
    const value = p.boolParam ?? p.int64Param ?? p.stringParam ?? p.doubleParam ?? p.uint64Param;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Parameters as the protocol's messages: numbers as doubles (int64 when integral), strings, booleans. */
function protoParametersOf(parameters: Parameters): Record<string, InferParameter> {
  const out: Record<string, InferParameter> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === 'boolean') out[key] = { boolParam: value };
    else if (typeof value === 'string') out[key] = { stringParam: value };
    else out[key] = Number.isSafeInteger(value) ? { int64Param: value } : { doubleParam: value };
  }
  return out;
}

/** The fields of `contents` that hold elements. */
function filledFields(contents: InferTensorContents | undefined): (keyof InferTensorContents)[] {
  if (!contents) return [];
  return (Object.keys(contents) as (keyof InferTensorContents)[]).filter(
    (field) => contents[field].length > 0,
  );
}

/** An input's elements from its typed `contents`. */
function typedValues(tensor: ProtoInput): ArrayLike<unknown> {
  const { name, datatype, contents } = tensor;
  const field = CONTENTS_FIELD[datatype];
  const filled = filledFields(contents);
  const wrong = filled.find((f) => f !== field);
  if (field && wrong) {
    throw invalidArgument(
      `input "${name}": ${datatype} elements go in ${protoName(field)}, got ${protoName(wrong)}`,
    );
  }
  if (filled.length === 0) {
    throw invalidArgument(`input "${name}" has no data: set its contents or raw_input_contents`);
  }
  return field && contents ? contents[field] : [];
}

const metadataOf = ({ name, datatype, shape }: ProtoInput) => ({ name, datatype, shape });

/** The request's inputs: raw_input_contents, or each input's typed contents. */
function inputsOf(request: ModelInferRequest): InputTensor[] {
  const { inputs, rawInputContents: raw } = request;
  if (raw.length === 0) {
    return inputs.map((tensor) => ({ ...metadataOf(tensor), values: typedValues(tensor) }));
  }
  const typed = inputs.find((tensor) => filledFields(tensor.contents).length > 0);
  if (typed) {
    throw invalidArgument(
      `input "${typed.name}" sets contents while raw_input_contents is used: send one or the other`,
    );
  }
  if (raw.length !== inputs.length) {
    throw invalidArgument(
      `raw_input_contents has ${raw.length} entries for ${inputs.length} inputs: one per input, in order`,
    );
  }
  return inputs.map((tensor, i) => ({ ...metadataOf(tensor), raw: raw[i] ?? new Uint8Array(0) }));
}

/** A gRPC ModelInferRequest in the transport-neutral form. */
export function inferRequestOf(request: ModelInferRequest): InferRequest {
  return {
    modelName: request.modelName,
    modelVersion: request.modelVersion,
    id: request.id,
    parameters: parametersOf(request.parameters),
    inputs: inputsOf(request),
    outputs: request.outputs.map(({ name, parameters }) => ({
      name,
      parameters: parametersOf(parameters),
    })),
  };
}

/** The answer as a ModelInferResponse: every output's elements in raw_output_contents. */
export function inferResponseOf(response: InferResponse): ModelInferResponse {
  return {
    modelName: response.modelName,
    modelVersion: response.modelVersion,
    id: response.id,
    parameters: {},
    outputs: response.outputs.map(({ name, datatype, shape }) => ({
      name,
      datatype,
      shape: [...shape],
      parameters: {},
      contents: undefined,
    })),
    rawOutputContents: response.outputs.map(({ data }) =>
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    ),
  };
}

/** inference.GRPCInferenceService over the protocol's server. */
export function createGrpcHandlers(
  server: InferenceServer,
): AsyncHandlers<typeof GRPCInferenceServiceService> {
  return {
    serverLive: () => Promise.resolve({ live: server.live() }),
    serverReady: () => Promise.resolve({ ready: server.ready() }),
    modelReady: ({ name, version }) => Promise.resolve({ ready: server.modelReady(name, version) }),
    serverMetadata: () => Promise.resolve(server.serverMetadata()),
    modelMetadata: ({ name, version }) => {
      const { metadata } = server.model(name, version);
      return Promise.resolve({
        ...metadata,
        versions: [...metadata.versions],
        inputs: metadata.inputs.map((t) => ({ ...t, shape: [...t.shape] })),
        outputs: metadata.outputs.map((t) => ({ ...t, shape: [...t.shape] })),
        parameters: protoParametersOf(metadata.parameters ?? {}),
      });
    },
    modelInfer: async (request, { signal }) =>
      inferResponseOf(await server.infer(inferRequestOf(request), signal)),
  };
}

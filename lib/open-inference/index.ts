/**
 * The Open Inference Protocol (KServe v2) for the model services: one transport-neutral core
 * (server.ts: health, metadata, inference; image-model.ts: a service's image model as the
 * protocol's model, through its pool, admission and metrics) and two thin transports, gRPC
 * (inference.GRPCInferenceService, grpc.ts) and REST (/v2/..., rest.ts).
 */
export { createImageModel, ONNX_PLATFORM } from './image-model.js';
export type {
  ExtraOutput,
  ImageModelIdentity,
  ImageModelOptions,
  OutputComputer,
} from './image-model.js';
export { notFound } from './model.js';
export type {
  InferenceModel,
  InferRequest,
  InferResponse,
  ModelMetadata,
  ParameterValue,
  Parameters,
  RequestedOutput,
} from './model.js';
export { addOpenInference, OPEN_INFERENCE_SERVICE } from './mount.js';
export type { OpenInferenceOptions } from './mount.js';
export { createInferenceServer } from './server.js';
export type { InferenceServer, ServerMetadata } from './server.js';
export { bytesOf, bytesToValues, elementCount, formatShape, valuesToBytes } from './tensors.js';
export type { InputTensor, RawTensor, TensorMetadata } from './tensors.js';
export { createOpenInferenceClient } from './client.js';
export type { OpenInferenceClient } from './client.js';

import { createServiceClient, type ClientOptions } from '../client/service-client.js';
import type { CallOptions } from '../client/unary-call.js';
import {
  GRPCInferenceServiceService as Service,
  ModelInferRequest,
  type DeepPartial,
  type ModelInferResponse,
  type ModelMetadataResponse,
  type ServerMetadataResponse,
} from '../gen/inference/grpc_predict_v2.js';
import { OPEN_INFERENCE_SERVICE } from './mount.js';

/** A deadline-bound client of inference.GRPCInferenceService (lib/client's channel and retries). */
export interface OpenInferenceClient {
  serverLive(options?: CallOptions): Promise<boolean>;
  serverMetadata(options?: CallOptions): Promise<ServerMetadataResponse>;
  modelMetadata(name: string, options?: CallOptions): Promise<ModelMetadataResponse>;
  modelInfer(
    request: DeepPartial<ModelInferRequest>,
    options?: CallOptions,
  ): Promise<ModelInferResponse>;
  close(): void;
}

export function createOpenInferenceClient(options: ClientOptions): OpenInferenceClient {
  const client = createServiceClient(OPEN_INFERENCE_SERVICE, options);
  return {
    serverLive: async (callOptions) =>
      (await client.call(Service.serverLive, {}, callOptions)).live,
    serverMetadata: (callOptions) => client.call(Service.serverMetadata, {}, callOptions),
    modelMetadata: (name, callOptions) =>
      client.call(Service.modelMetadata, { name, version: '' }, callOptions),
    modelInfer: (request, callOptions) =>
      client.call(Service.modelInfer, ModelInferRequest.fromPartial(request), callOptions),
    close: () => {
      client.close();
    },
  };
}

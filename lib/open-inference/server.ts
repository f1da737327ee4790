import { status } from '@grpc/grpc-js';
import { RequestError } from '../grpc-server/request-error.js';
import { notFound, type InferenceModel, type InferRequest, type InferResponse } from './model.js';

/** ServerMetadata's answer. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/**
 * The protocol's server, transport-neutral: health, metadata and inference of the models a
 * service holds. The gRPC handlers and the REST router are thin transports over this.
 */
export interface InferenceServer {
  live(): boolean;
  ready(): boolean;
  serverMetadata(): ServerMetadata;
  /** The model of that name (and version, when given); NOT_FOUND otherwise. */
  model(name: string, version?: string): InferenceModel;
  modelReady(name: string, version?: string): boolean;
  /** ModelInfer: UNAVAILABLE until the service is ready. */
  infer(request: InferRequest, signal: AbortSignal): Promise<InferResponse>;
}

export interface InferenceServerOptions {
  /** ServerMetadata's name, e.g. "banana-detector". */
  name: string;
  /** ServerMetadata's version: the served model's, which may change (a live swap). */
  version(): string;
  /** The models served now (a live swap replaces them). */
  models(): readonly InferenceModel[];
  /** True once the service is ready (its models are loaded and warm). */
  isReady(): boolean;
}

export function createInferenceServer(options: InferenceServerOptions): InferenceServer {
  const model = (name: string, version = ''): InferenceModel => {
    const models = options.models();
    const found = models.find((candidate) => candidate.metadata.name === name);
    if (!found) {
      const served = models.map((candidate) => `"${candidate.metadata.name}"`).join(', ');
      throw notFound(`model "${name}" is not served here (serving ${served})`);
    }
    if (version !== '' && version !== found.version) {
      throw notFound(
        `version "${version}" of ${name} is not served here (serving ${found.version})`,
      );
    }
    return found;
  };
  return {
    live: () => true,
    ready: () => options.isReady(),
    serverMetadata: () => ({ name: options.name, version: options.version(), extensions: [] }),
    model,
    modelReady: (name, version) => (model(name, version), options.isReady()),
    infer(request, signal) {
      const target = model(request.modelName, request.modelVersion);
      if (!options.isReady()) {
        return Promise.reject(
          new RequestError(status.UNAVAILABLE, `${request.modelName} is still loading`),
        );
      }
      return target.infer(request, signal);
    },
  };
}

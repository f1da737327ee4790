import {
  ClassifierService,
  ClassifyRegionsRequest,
  ClassifyRequest,
  type ClassifyResponse,
  type DeepPartial,
} from '../gen/banana/v1/classifier.js';
import type { GetModelInfoResponse } from '../gen/banana/v1/common.js';
import { serializeClassifyRequest } from './pixel-codec.js';
import { serviceNameOf } from './service-name.js';
import { createServiceClient, type ClientOptions, type ServiceClient } from './service-client.js';
import type { CallOptions } from './unary-call.js';

/** Requests with empty fields left out. */
export type ClassifyRequestInput = DeepPartial<ClassifyRequest>;
export type ClassifyRegionsRequestInput = DeepPartial<ClassifyRegionsRequest>;

export interface ClassifierClient {
  /**
   * One result per crop, in order: set `crops` (encoded) or `rawCrops` (RGB), not both. Raw
   * crops at the model's input size (getModelInfo) go to the model without resampling.
   */
  classify(request: ClassifyRequestInput, options?: CallOptions): Promise<ClassifyResponse>;
  /** One result per box, in order; the server crops the boxes out of `image`. */
  classifyRegions(
    request: ClassifyRegionsRequestInput,
    options?: CallOptions,
  ): Promise<ClassifyResponse>;
  /** The model's identity, input specification (size, padding, kernel, ...) and classes. */
  getModelInfo(options?: CallOptions): Promise<GetModelInfoResponse>;
  checkHealth: ServiceClient['checkHealth'];
  close(): void;
}

/** Classify, its request serialised with the pixels placed once (pixel-codec.ts). */
const CLASSIFY = { ...ClassifierService.classify, requestSerialize: serializeClassifyRequest };

export function createClassifierClient(options: ClientOptions): ClassifierClient {
  const client = createServiceClient(serviceNameOf(ClassifierService), options);
  return {
    classify: (request, callOptions) =>
      client.call(CLASSIFY, ClassifyRequest.fromPartial(request), callOptions),
    classifyRegions: (request, callOptions) =>
      client.call(
        ClassifierService.classifyRegions,
        ClassifyRegionsRequest.fromPartial(request),
        callOptions,
      ),
    getModelInfo: (callOptions) => client.call(ClassifierService.getModelInfo, {}, callOptions),
    checkHealth: (callOptions) => client.checkHealth(callOptions),
    close: () => {
      client.close();
    },
  };
}

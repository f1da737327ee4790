/**
 * Typed promise clients for the model services. Every call has a deadline; each service has
 * one channel with keepalive, the services' message limit, grpc-js's round_robin balancer
 * over every address of its target (several IP `host:port`s, or every address a `dns:///`
 * name resolves to; down ones are skipped) and a retry policy for UNAVAILABLE.
 * Failures reject with a grpc-js ServiceError: map `error.code` (status) as needed.
 */
export { createClassifierClient } from './classifier-client.js';
export type {
  ClassifierClient,
  ClassifyRegionsRequestInput,
  ClassifyRequestInput,
} from './classifier-client.js';
export { createDetectorClient } from './detector-client.js';
export type {
  DetectorClient,
  DetectRequestInput,
  DetectStream,
  DetectStreamFrameInput,
} from './detector-client.js';
export { isServiceError, serviceError } from './grpc-error.js';
export type { ServiceError } from './grpc-error.js';
export { DEFAULT_MAX_MESSAGE_BYTES } from '../config/limits.js';
export { DEFAULT_DEADLINE_MS } from './service-client.js';
export type { ClientOptions } from './service-client.js';
export { parseTargets } from './targets.js';
export {
  apiKeyClientInterceptor,
  channelCredentials,
  secureChannel,
  tlsChannelOptions,
} from './security.js';
export type { ClientTlsConfig } from './security.js';
export type { CallOptions } from './unary-call.js';
export type { ClassifyResponse } from '../gen/banana/v1/classifier.js';
export type { DetectResponse, DetectStreamResponse } from '../gen/banana/v1/detector.js';
export type { GetModelInfoResponse } from '../gen/banana/v1/common.js';
export { status } from '@grpc/grpc-js';

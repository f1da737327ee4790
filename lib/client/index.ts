/**
 * Typed promise clients for the model services. Every call has a deadline, channels use
 * keepalive and the services' message limit, UNAVAILABLE is retried (service config) and
 * then failed over to the next address. Several `host:port` addresses are used
 * round-robin (down ones skipped); a `dns:///` target uses grpc's round_robin balancer.
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
export type { CallOptions } from './unary-call.js';
export type { ClassifyResponse } from '../gen/banana/v1/classifier.js';
export type { DetectResponse, DetectStreamResponse } from '../gen/banana/v1/detector.js';
export type { GetModelInfoResponse } from '../gen/banana/v1/common.js';
export { status } from '@grpc/grpc-js';

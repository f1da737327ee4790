import type { RequestListener } from 'node:http';
import type { Server } from '@grpc/grpc-js';
import type { RequestHandler } from 'express';
import { GRPCInferenceServiceService } from '../gen/inference/grpc_predict_v2.js';
import { bindHandlers, type HandlerContext } from '../grpc-server/handlers.js';
import { createGrpcHandlers } from './grpc.js';
import type { InferenceModel } from './model.js';
import { createRestApp } from './rest.js';
import { createInferenceServer } from './server.js';

/** The protocol's gRPC service name (health and reflection list it). */
export const OPEN_INFERENCE_SERVICE = 'inference.GRPCInferenceService';

export interface OpenInferenceOptions {
  /** ServerMetadata's name and version (the served model's). */
  name: string;
  version(): string;
  /** The models served now (a live swap replaces them). */
  models(): readonly InferenceModel[];
  /** True once the service is ready (SERVING): ServerReady, ModelReady, ModelInfer. */
  isReady(): boolean;
  /** The gRPC side's logging, call tracking and request metrics (as for the service's own API). */
  handlerContext: HandlerContext;
  /** Largest REST body (MAX_MESSAGE_BYTES). */
  maxBodyBytes: number;
  /** Access control of the REST /v2/models routes (gRPC calls pass the server's interceptors). */
  protect?: RequestHandler | undefined;
}

/**
 * Serves the Open Inference Protocol: adds inference.GRPCInferenceService to `grpcServer`
 * (bound like the service's own API: metrics, spans, cancellation, error statuses) and
 * returns the REST side, a request listener for the /v2 paths of the HTTP port.
 */
export function addOpenInference(
  grpcServer: Server,
  options: OpenInferenceOptions,
): RequestListener {
  const server = createInferenceServer(options);
  grpcServer.addService(
    GRPCInferenceServiceService,
    bindHandlers(GRPCInferenceServiceService, createGrpcHandlers(server), options.handlerContext),
  );
  return createRestApp({
    server,
    maxBodyBytes: options.maxBodyBytes,
    logger: options.handlerContext.logger,
    recordRequest: (method, code, seconds) => {
      options.handlerContext.recordRequest(method, code, seconds);
    },
    protect: options.protect,
  });
}

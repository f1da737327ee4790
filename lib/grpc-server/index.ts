/**
 * gRPC server building blocks: message limits, connection age and keepalive, standard
 * health, reflection, handler binding (unary and bidirectional streaming, with cancellation
 * signals and error mapping), graceful shutdown.
 */
export { CallTracker } from './call-tracker.js';
export {
  bindInsecure,
  bindServer,
  bindUnixSocket,
  createGrpcServer,
  shutdownGracefully,
} from './grpc-server.js';
export { createServerSecurity } from './security.js';
export type { ServerSecurity, ServerSecurityOptions, ServerSecuritySettings } from './security.js';
export type { GrpcServerLimits } from './grpc-server.js';
export { addHealthService } from './health.js';
export type { Health } from './health.js';
export { addReflectionService } from './reflection.js';
export { invalidArgument, RequestError } from './request-error.js';
export { statusName, statusOfError } from './status-of-error.js';
export type { ErrorStatus } from './status-of-error.js';
export { bindHandlers } from './handlers.js';
export type { AsyncHandlers, CallInfo, HandlerContext, StreamHandler } from './handlers.js';

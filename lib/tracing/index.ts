/**
 * OpenTelemetry tracing configured by the standard OTEL_* variables (docs/tracing.md):
 * process start-up, spans, and W3C trace context over gRPC metadata and HTTP headers.
 */
export { OTLP_PROTOCOLS, readTracingConfig, SAMPLERS } from './config.js';
export type { OtlpProtocol, SamplerConfig, SamplerName, TracingConfig } from './config.js';
export {
  contextFromMetadata,
  grpcMetadataWithTrace,
  tracingClientInterceptor,
  withGrpcServerSpan,
} from './grpc.js';
export { contextFromHeaders, traceHttpRequests, traceparentOf } from './http.js';
export { initTracing } from './sdk.js';
export type { Tracing, TracingLogger } from './sdk.js';
export {
  currentTraceId,
  isTracingActive,
  recordSpan,
  sampledTraceId,
  SpanKind,
  traceLogFields,
  TRACER_NAME,
  withSpan,
} from './spans.js';
export type { Attributes, Context, Span, SpanOptions, TraceLogFields } from './spans.js';

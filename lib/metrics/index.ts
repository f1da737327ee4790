/**
 * Prometheus metrics: a dedicated registry, the model-service metrics, latency histograms
 * with trace exemplars, OpenMetrics/Prometheus text exposition, an HTTP endpoint.
 */
export { createExemplarHistogram, observeWithTrace } from './exemplars.js';
export { prefersOpenMetrics, renderMetrics } from './exposition.js';
export type { Exposition } from './exposition.js';
export { startMetricsServer } from './metrics-server.js';
export type { MetricsServer, MetricsServerOptions } from './metrics-server.js';
export { createModelServiceMetrics } from './model-service-metrics.js';
export type {
  DecodeBudgetLoad,
  InferenceLoad,
  InferenceStage,
  ModelLabels,
  ModelServiceMetrics,
  StreamOutcome,
} from './model-service-metrics.js';
export { createMetricsRegistry } from './registry.js';

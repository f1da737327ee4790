/** Prometheus metrics: a dedicated registry, the model-service metrics, an HTTP endpoint. */
export { startMetricsServer } from './metrics-server.js';
export type { MetricsServer, MetricsServerOptions } from './metrics-server.js';
export { createModelServiceMetrics } from './model-service-metrics.js';
export type {
  InferenceLoad,
  InferenceStage,
  ModelLabels,
  ModelServiceMetrics,
} from './model-service-metrics.js';
export { createMetricsRegistry } from './registry.js';

import {
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type Registry,
} from 'prom-client';
import { sampledTraceId } from '../tracing/index.js';

/**
 * A histogram registered on `registry` whose buckets keep an OpenMetrics exemplar: the trace
 * id of the last observation that fell in the bucket while a sampled span was active. Observe
 * it with `observeWithTrace` (prom-client's two-argument `observe` does not work on it).
 */
export function createExemplarHistogram<T extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<T>, 'registers' | 'enableExemplars'>,
): Histogram<T> {
  // prom-client refuses exemplars on a registry whose default format is the Prometheus
  // text format; renderMetrics switches to OpenMetrics when the scraper asks for it.
  const histogram = new Histogram<T>({ ...config, enableExemplars: true, registers: [] });
  registry.registerMetric(histogram);
  return histogram;
}

/** Observes `value`, with the active sampled trace as exemplar (`{trace_id="…"}`) if any. */
export function observeWithTrace<T extends string>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
  value: number,
): void {
  const traceId = sampledTraceId();
  histogram.observe({
    labels,
    value,
    // The exemplar's label is not one of the histogram's labels, which the typing assumes.
    exemplarLabels: (traceId === undefined ? {} : { trace_id: traceId }) as LabelValues<T>,
  });
}

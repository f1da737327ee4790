import { Counter, Histogram, type Registry } from 'prom-client';
import { createExemplarHistogram } from '../../lib/metrics/index.js';

/**
 * The function's Prometheus metrics (names fixed in docs/CONTRACT.md). The two latency
 * histograms keep the request's trace id as an OpenMetrics exemplar: observe them with
 * `observeWithTrace` (lib/metrics) inside the request's span.
 */
export interface FunctionMetrics {
  requests: Counter<'code'>;
  requestDuration: Histogram;
  stageDuration: Histogram<'stage'>;
  bananasPerRequest: Histogram;
  upstreamErrors: Counter<'service' | 'code'>;
  shed: Counter<'reason'>;
}

export const PIPELINE_STAGES = ['parse', 'detect', 'classify', 'draw', 'encode'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * Status codes whose series exist from start-up, at zero. Without them a counter series
 * appears only with its first increment, so `rate()` cannot see that increment and error
 * ratios read "no data" instead of 0 after every restart.
 */
export const PRESET_STATUS_CODES = [200, 400, 413, 415, 422, 429, 500, 502, 503, 504] as const;

/** Why a request was shed: too many photos waiting for the pixel budget, or one waited too long. */
export const SHED_REASONS = ['queue_full', 'wait_timeout'] as const;

export function createFunctionMetrics(registry: Registry): FunctionMetrics {
  const metrics = registerFunctionMetrics(registry);
  for (const code of PRESET_STATUS_CODES) metrics.requests.inc({ code: String(code) }, 0);
  for (const stage of PIPELINE_STAGES) metrics.stageDuration.zero({ stage });
  for (const reason of SHED_REASONS) metrics.shed.inc({ reason }, 0);
  return metrics;
}

function registerFunctionMetrics(registry: Registry): FunctionMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'banana_function_requests_total',
      help: 'Classify requests by HTTP status code.',
      labelNames: ['code'],
      registers,
    }),
    requestDuration: createExemplarHistogram(registry, {
      name: 'banana_function_request_duration_seconds',
      help: 'End-to-end duration of classify requests, from the first byte read to the response.',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    stageDuration: createExemplarHistogram(registry, {
      name: 'banana_function_stage_duration_seconds',
      help: 'Duration of each pipeline stage: parse (read + decode), detect, classify, draw (boxes and labels), encode (JPEG).',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    }),
    bananasPerRequest: new Histogram({
      name: 'banana_function_bananas_per_request',
      help: 'Number of bananas detected per successful request.',
      buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100, 300],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'banana_function_upstream_errors_total',
      help: 'Failed calls to the model services, by service and gRPC status name.',
      labelNames: ['service', 'code'],
      registers,
    }),
    shed: new Counter({
      name: 'banana_function_shed_total',
      help: 'Classify requests refused with 429 before decoding (load shedding), by reason.',
      labelNames: ['reason'],
      registers,
    }),
  };
}

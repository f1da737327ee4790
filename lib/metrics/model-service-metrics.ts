import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { withSpan } from '../tracing/index.js';
import { createExemplarHistogram, observeWithTrace } from './exemplars.js';

const INFERENCE_STAGES = ['decode', 'preprocess', 'queue', 'inference', 'postprocess'] as const;
export type InferenceStage = (typeof INFERENCE_STAGES)[number];

export interface ModelLabels {
  /** "detector" or "classifier". */
  service: string;
  model: string;
  version: string;
}

/** Live numbers read at scrape time. */
export interface InferenceLoad {
  readonly queueDepth: number;
  readonly queueCapacity: number;
  readonly inFlight: number;
}

export interface ModelServiceMetrics {
  readonly registry: Registry;
  recordRequest: (method: string, code: string, seconds: number) => void;
  /** Creates the method's OK count and duration series at zero, before any request. */
  presetMethod: (method: string) => void;
  observeStage: (stage: InferenceStage, seconds: number) => void;
  /** Runs `work` in a span named `stage`, recording its duration under `stage` (also when it throws). */
  time: <T>(stage: InferenceStage, work: () => T) => T;
  observeBatchSize: (size: number) => void;
  /** Where the queue depth, capacity and in-flight gauges read from (the inference pool). */
  watchLoad: (load: InferenceLoad) => void;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** The model-service metrics named in docs/CONTRACT.md, registered on `registry`. */
export function createModelServiceMetrics(
  registry: Registry,
  labels: ModelLabels,
): ModelServiceMetrics {
  const { service } = labels;
  let load: InferenceLoad = { queueDepth: 0, queueCapacity: 0, inFlight: 0 };
  const requests = new Counter({
    name: 'banana_grpc_requests_total',
    help: 'gRPC requests handled, by method and status code name.',
    labelNames: ['service', 'method', 'code'],
    registers: [registry],
  });
  // Latency histograms carry the trace id of a recent request per bucket as exemplar.
  const requestDuration = createExemplarHistogram(registry, {
    name: 'banana_grpc_request_duration_seconds',
    help: 'gRPC request handling time, from receipt to response.',
    labelNames: ['service', 'method'],
    buckets: SECONDS_BUCKETS,
  });
  const stageDuration = createExemplarHistogram(registry, {
    name: 'banana_inference_stage_duration_seconds',
    help: 'Time per request spent in each stage: decode, preprocess, queue, inference, postprocess.',
    labelNames: ['service', 'model', 'version', 'stage'],
    buckets: SECONDS_BUCKETS,
  });
  const batchSize = new Histogram({
    name: 'banana_inference_batch_size',
    help: 'Images per model run.',
    labelNames: ['service', 'model', 'version'],
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'banana_inference_queue_depth',
    help: 'Inference jobs waiting for a free worker.',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.set({ service }, load.queueDepth);
    },
  });
  new Gauge({
    name: 'banana_inference_queue_capacity',
    help: 'Inference jobs allowed to wait (MAX_QUEUE); alerts compare the depth against it.',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.set({ service }, load.queueCapacity);
    },
  });
  new Gauge({
    name: 'banana_inference_in_flight',
    help: 'Inference jobs running on a worker.',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.set({ service }, load.inFlight);
    },
  });
  new Gauge({
    name: 'banana_model_info',
    help: 'The loaded model (always 1).',
    labelNames: ['service', 'model', 'version'],
    registers: [registry],
  }).set({ ...labels }, 1);
  // Series present at zero from start-up, so the first requests after a restart show in rate().
  for (const stage of INFERENCE_STAGES) stageDuration.zero({ ...labels, stage });
  batchSize.zero({ ...labels });

  const observeStage = (stage: InferenceStage, seconds: number) => {
    observeWithTrace(stageDuration, { ...labels, stage }, seconds);
  };
  const timed = <T>(stage: InferenceStage, work: () => T): T => {
    const started = performance.now();
    const record = () => {
      observeStage(stage, (performance.now() - started) / 1000);
    };
    let result: T;
    try {
      result = work();
    } catch (error) {
      record();
      throw error;
    }
    if (result instanceof Promise) return result.finally(record) as T;
    record();
    return result;
  };
  return {
    registry,
    presetMethod(method) {
      requests.inc({ service, method, code: 'OK' }, 0);
      requestDuration.zero({ service, method });
    },
    recordRequest(method, code, seconds) {
      requests.inc({ service, method, code });
      observeWithTrace(requestDuration, { service, method }, seconds);
    },
    observeStage,
    time<T>(stage: InferenceStage, work: () => T): T {
      return withSpan(stage, {}, () => timed(stage, work));
    },
    observeBatchSize(size) {
      batchSize.observe({ ...labels }, size);
    },
    watchLoad(source) {
      load = source;
    },
  };
}

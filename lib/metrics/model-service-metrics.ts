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

/** DetectStream frames are answered with one of these. */
export const STREAM_OUTCOMES = ['result', 'error', 'dropped'] as const;
export type StreamOutcome = (typeof STREAM_OUTCOMES)[number];

/** The decode budget's numbers, read at scrape time (lib/admission/pixel-budget.ts). */
export interface DecodeBudgetLoad {
  readonly inUse: number;
  readonly peak: number;
  readonly limit: number;
  readonly waiting: number;
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
  /** Where the decode-budget gauges read from. */
  watchDecodeBudget: (budget: DecodeBudgetLoad) => void;
  /** One DetectStream frame answered; `presetStreamFrames` creates the series at zero. */
  countStreamFrame: (outcome: StreamOutcome) => void;
  presetStreamFrames: () => void;
  /** A new model version is served: model info and the per-version series follow it. */
  showModel: (model: { model: string; version: string }) => void;
  /** One attempt to swap in a model found in MODEL_DIR: `swapped` or `failed`. */
  countReload: (outcome: ReloadOutcome) => void;
}

export const RELOAD_OUTCOMES = ['swapped', 'failed'] as const;
export type ReloadOutcome = (typeof RELOAD_OUTCOMES)[number];

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** A gauge per `service` whose value is read from `read` when Prometheus scrapes. */
function scrapedGauge(
  registry: Registry,
  service: string,
  name: string,
  help: string,
  read: () => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.set({ service }, read());
    },
  });
}

/** The decode budget's gauges (MAX_INFLIGHT_PIXELS), read from `budget()` at scrape time. */
function declareDecodeBudgetGauges(
  registry: Registry,
  service: string,
  budget: () => DecodeBudgetLoad,
): void {
  scrapedGauge(
    registry,
    service,
    'banana_decode_pixels_in_flight',
    'Source pixels of the images being decoded now (admitted to the decode budget).',
    () => budget().inUse,
  );
  scrapedGauge(
    registry,
    service,
    'banana_decode_pixels_in_flight_peak',
    'Largest number of source pixels decoded at once since start-up.',
    () => budget().peak,
  );
  scrapedGauge(
    registry,
    service,
    'banana_decode_pixel_budget',
    'Decode budget in source pixels (MAX_INFLIGHT_PIXELS).',
    () => budget().limit,
  );
  scrapedGauge(
    registry,
    service,
    'banana_decode_waiting',
    'Requests waiting for room in the decode budget.',
    () => budget().waiting,
  );
}

/** Requests by method and status, and their latency (with trace exemplars). */
function declareRequestMetrics(registry: Registry, service: string) {
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
  return {
    presetMethod(method: string) {
      requests.inc({ service, method, code: 'OK' }, 0);
      requestDuration.zero({ service, method });
    },
    recordRequest(method: string, code: string, seconds: number) {
      requests.inc({ service, method, code });
      observeWithTrace(requestDuration, { service, method }, seconds);
    },
  };
}

/**
 * Time per inference stage and images per model call, present at zero from start-up; their
 * model and version labels follow the model served (showModel).
 */
function declareInferenceMetrics(registry: Registry, served: ModelLabels) {
  let labels = { ...served };
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
  const info = new Gauge({
    name: 'banana_model_info',
    help: 'The model served (always 1; the series of a replaced version is removed).',
    labelNames: ['service', 'model', 'version'],
    registers: [registry],
  });
  const show = () => {
    info.set({ ...labels }, 1);
    // Series present at zero from start-up, so the first requests after a restart show in rate().
    for (const stage of INFERENCE_STAGES) stageDuration.zero({ ...labels, stage });
    batchSize.zero({ ...labels });
  };
  show();
  const observeStage = (stage: InferenceStage, seconds: number) => {
    observeWithTrace(stageDuration, { ...labels, stage }, seconds);
  };
  return {
    observeStage,
    time<T>(stage: InferenceStage, work: () => T): T {
      return withSpan(stage, {}, () =>
        timed(work, (seconds) => {
          observeStage(stage, seconds);
        }),
      );
    },
    observeBatchSize(size: number) {
      batchSize.observe({ ...labels }, size);
    },
    showModel(model: { model: string; version: string }) {
      info.remove({ ...labels });
      labels = { ...labels, ...model };
      show();
    },
  };
}

/** Runs `work`, then `record`s how long it took in seconds (also when it throws or rejects). */
function timed<T>(work: () => T, record: (seconds: number) => void): T {
  const started = performance.now();
  const done = () => {
    record((performance.now() - started) / 1000);
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    done();
    throw error;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

/** Queue depth and capacity and in-flight jobs of the inference pool, read at scrape time. */
function declareLoadGauges(registry: Registry, service: string, load: () => InferenceLoad): void {
  scrapedGauge(
    registry,
    service,
    'banana_inference_queue_depth',
    'Inference jobs waiting for a free worker.',
    () => load().queueDepth,
  );
  scrapedGauge(
    registry,
    service,
    'banana_inference_queue_capacity',
    'Inference jobs allowed to wait (MAX_QUEUE); alerts compare the depth against it.',
    () => load().queueCapacity,
  );
  scrapedGauge(
    registry,
    service,
    'banana_inference_in_flight',
    'Inference jobs running on a worker.',
    () => load().inFlight,
  );
}

/**
 * Every metric of a model service process (named in docs/CONTRACT.md), declared in this file
 * and registered on `registry`; the code that measures calls the returned functions.
 */
export function createModelServiceMetrics(
  registry: Registry,
  labels: ModelLabels,
): ModelServiceMetrics {
  const { service } = labels;
  let load: InferenceLoad = { queueDepth: 0, queueCapacity: 0, inFlight: 0 };
  let decodeBudget: DecodeBudgetLoad = { inUse: 0, peak: 0, limit: 0, waiting: 0 };
  declareLoadGauges(registry, service, () => load);
  declareDecodeBudgetGauges(registry, service, () => decodeBudget);
  const streamFrames = new Counter({
    name: 'banana_stream_frames_total',
    help: 'DetectStream frames answered, by outcome: result, error or dropped.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'banana_model_reloads_total',
    help: 'Models found in MODEL_DIR and loaded beside the served one, by outcome: swapped in, or failed (the served one kept).',
    labelNames: ['service', 'outcome'],
    registers: [registry],
  });
  for (const outcome of RELOAD_OUTCOMES) reloads.inc({ service, outcome }, 0);
  return {
    registry,
    ...declareRequestMetrics(registry, service),
    ...declareInferenceMetrics(registry, labels),
    watchLoad(source) {
      load = source;
    },
    watchDecodeBudget(source) {
      decodeBudget = source;
    },
    countStreamFrame(outcome) {
      streamFrames.inc({ outcome });
    },
    presetStreamFrames() {
      for (const outcome of STREAM_OUTCOMES) streamFrames.inc({ outcome }, 0);
    },
    countReload(outcome) {
      reloads.inc({ service, outcome });
    },
  };
}

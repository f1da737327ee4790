/**
 * The pipeline of one photo: the detector's input decoded straight at its letterboxed size
 * while the full-resolution decode runs (when the annotated photo is asked for), the
 * classifier's crops cut from whichever decode keeps them at its input size, both at the
 * models' input sizes (GetModelInfo); then boxes and labels are drawn and the JPEG encoded;
 * with the stage timer.
 */
import type { ClassifierClient, DetectorClient } from '../../../lib/client/index.js';
import { withSpan } from '../../../lib/tracing/index.js';
import type { Classification } from '../../../lib/gen/banana/v1/classifier.js';
import type { ModelInfo } from '../../../lib/gen/banana/v1/common.js';
import { hasArea, type Box, type RgbImage, type ScaledPhoto } from '../../../lib/vision/index.js';
import { drawAnnotations, encodeJpeg } from '../../../lib/drawing/annotate.js';
import { stageColour, stageText } from '../../../lib/drawing/labels.js';
import { callService, grpcCodeName, UnusableAnswerError, type ModelService } from './errors.js';
import type { PipelineStage } from '../metrics.js';
import type { OpenedPhoto } from '../image/decode-photo.js';
import { cropsForClassifier, letterboxedImage } from './model-inputs.js';
import {
  fromFloat32,
  UNKNOWN_MODEL,
  type ClassifierSpec,
  type DetectorSpec,
  type ModelSpecs,
} from './model-specs.js';

export type StageTimings = Partial<Record<PipelineStage, number>>;

export interface StageTimer {
  /** Runs one stage in a span of its name and records how long it took (also when it fails). */
  time<T>(stage: PipelineStage, work: () => Promise<T>): Promise<T>;
  /** Milliseconds per finished stage. */
  readonly timings: StageTimings;
  /** Milliseconds since the timer was created. */
  elapsedMs(): number;
}

export function createStageTimer(now: () => number = () => performance.now()): StageTimer {
  const start = now();
  const timings: StageTimings = {};
  return {
    timings,
    // Each stage is also a child span of the request's span (none while tracing is off).
    time: (stage, work) =>
      withSpan(stage, {}, async () => {
        const stageStart = now();
        try {
          return await work();
        } finally {
          timings[stage] = (timings[stage] ?? 0) + (now() - stageStart);
        }
      }),
    elapsedMs: () => now() - start,
  };
}

/** The classifier's stage names (least to most ripe) and model, from its GetModelInfo. */
export interface ClassifierCatalogue {
  classes: string[];
  model: ModelInfo;
}

/** Splits items into consecutive batches of at most `size` (the last one may be smaller). */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be >= 1, got ${size}`);
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    batches.push(items.slice(start, start + size));
  return batches;
}

/** What is asked of one photo (lib/options defines each option; the HTTP edge reads them). */
export interface PhotoOptions {
  /** Detection thresholds; undefined: the detector's model-card defaults. */
  minConfidence?: number | undefined;
  iou?: number | undefined;
  maxDetections?: number | undefined;
  /** `jpeg` returns the annotated photo, `none` the detections only. */
  format: 'jpeg' | 'none';
  /** JPEG quality of the annotated photo. */
  quality: number;
}

export interface PipelineInput {
  /** The photo, header read: decoded at the detector's input size, and at full resolution when needed. */
  photo: Pick<OpenedPhoto, 'decodeLetterboxed' | 'decode'>;
  options: PhotoOptions;
  /**
   * No other photo is in flight. An answer without the photo then decodes it at full
   * resolution while detecting anyway (idle cores buy latency, in case a box is too small in
   * the detector's decode); under load the full decode waits until a box needs it.
   */
  idle?: boolean;
  /** Aborted when the HTTP client goes away; cancels the model calls. */
  signal?: AbortSignal;
}

export interface ClassifiedBanana {
  box: Box;
  confidence: number;
  classification: Classification;
}

export interface PipelineResult {
  bananas: ClassifiedBanana[];
  catalogue: ClassifierCatalogue;
  detectorModel: ModelInfo;
  /** The confidence threshold the detector applied, and where it came from (request, card, calibration). */
  minConfidence: { value: number; source: string };
  annotatedJpeg?: Buffer;
}

export interface PipelineDeps {
  detector: DetectorClient;
  classifier: ClassifierClient;
  /** Both services' input specifications (GetModelInfo), fetched once. */
  models: ModelSpecs;
  detectDeadlineMs: number;
  classifyDeadlineMs: number;
  /** Most crops per Classify call when set; the classifier's max_batch bounds it either way. */
  classifyBatchSize?: number;
  /** Called for every failed model call (metrics). */
  onUpstreamError(service: ModelService, error: unknown): void;
}

/** A model call; a refused input also drops what is known of the service's model. */
function callModel<T>(
  service: ModelService,
  deadlineMs: number,
  deps: PipelineDeps,
  call: () => Promise<T>,
): Promise<T> {
  return callService(
    service,
    deadlineMs,
    (failed, error) => {
      deps.onUpstreamError(failed, error);
      // Pixels refused: perhaps prepared for a model that has since been replaced.
      if (grpcCodeName(error) === 'INVALID_ARGUMENT') deps.models.forget(failed);
    },
    call,
  );
}

async function detect(spec: Promise<DetectorSpec>, input: PipelineInput, deps: PipelineDeps) {
  const { image, geometry, scaled } = await input.photo.decodeLetterboxed((await spec).input);
  const letterboxed = letterboxedImage(image, geometry);
  const response = await callModel('detector', deps.detectDeadlineMs, deps, () =>
    deps.detector.detect(
      {
        letterboxed,
        minConfidence: input.options.minConfidence,
        iouThreshold: input.options.iou,
        maxDetections: input.options.maxDetections,
      },
      { deadlineMs: deps.detectDeadlineMs, signal: input.signal },
    ),
  );
  // The detector drops such boxes itself; a service of another version may not.
  const found = response.detections.filter((d) => d.box !== undefined && hasArea(d.box));
  return {
    model: response.model ?? UNKNOWN_MODEL,
    minConfidence: {
      value: fromFloat32(response.minConfidence),
      source: response.minConfidenceSource,
    },
    detections: found.map((d) => ({ box: d.box as Box, confidence: d.confidence })),
    scaled: { image: scaled, source: geometry.source },
  };
}

/** Crops per Classify call: the classifier's max_batch, or less when configured so. */
export function classifyBatchSize(spec: ClassifierSpec, configured: number | undefined): number {
  const limit = spec.maxBatch >= 1 ? spec.maxBatch : Infinity;
  const size = Math.min(configured ?? limit, limit);
  return Number.isFinite(size) ? size : Number.MAX_SAFE_INTEGER;
}

async function classify(
  input: PipelineInput,
  boxes: readonly Box[],
  decodes: { scaled: ScaledPhoto; full: () => Promise<RgbImage> },
  specPromise: Promise<ClassifierSpec>,
  deps: PipelineDeps,
): Promise<{ results: Classification[]; catalogue: ClassifierCatalogue }> {
  const spec = await specPromise;
  const catalogue = { classes: spec.classes, model: spec.model };
  if (boxes.length === 0) return { results: [], catalogue };
  const options = { deadlineMs: deps.classifyDeadlineMs, signal: input.signal };
  // One Classify call for all crops, split only above the classifier's batch limit
  // (max_batch); the parts then run in parallel, on different replicas.
  const rawCrops = await cropsForClassifier(boxes, decodes.scaled, decodes.full, spec.input);
  const responses = await Promise.all(
    inBatches(rawCrops, classifyBatchSize(spec, deps.classifyBatchSize)).map((batch) =>
      callModel('classifier', deps.classifyDeadlineMs, deps, () =>
        deps.classifier.classify({ crops: [], rawCrops: batch }, options),
      ),
    ),
  );
  const results = responses.flatMap((response) => response.results);
  if (results.length !== boxes.length) {
    throw new UnusableAnswerError(
      'classifier',
      `the classifier service returned ${results.length} results for ${boxes.length} crops`,
    );
  }
  return { results, catalogue: { ...catalogue, model: responses[0]?.model ?? spec.model } };
}

/** Marks a promise as handled (its failure is seen where it is awaited, if it is). */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The photo's full-resolution decode (in the parse stage), started on the first call only:
 * an answer without the photo whose boxes are all large enough is classified from the
 * detector's decode and never decodes the photo at full resolution. `settled` waits for a
 * started decode, so its pixels stay counted (pixel budget) until it ends.
 */
function fullDecode(photo: PipelineInput['photo'], timer: StageTimer) {
  let decoding: Promise<RgbImage> | undefined;
  return {
    get: (): Promise<RgbImage> => (decoding ??= started(timer.time('parse', () => photo.decode()))),
    settled: async (): Promise<void> => {
      await decoding?.catch(() => undefined);
    },
  };
}

/**
 * The photo decoded at the detector's input size (shrink-on-load) -> Detect, while it is
 * decoded at full resolution when the annotated photo is asked for or nothing else runs ->
 * crops at the classifier's input size, each from the smallest of the two decodes that keeps
 * that size -> one batched Classify -> boxes and labels drawn on the full-resolution photo ->
 * JPEG. So the detect stage overlaps the full decode (the parse stage) instead of following
 * it. Both services' input specs are fetched the first time.
 */
export async function runPipeline(
  input: PipelineInput,
  deps: PipelineDeps,
  timer: StageTimer,
): Promise<PipelineResult> {
  const detectorSpec = started(deps.models.detector());
  const classifierSpec = started(deps.models.classifier());
  const full = fullDecode(input.photo, timer);
  // The drawing needs the full-resolution pixels: decode them while detecting.
  if (input.options.format === 'jpeg' || input.idle === true) void full.get();
  try {
    return await classifyAndDraw(input, deps, timer, { detectorSpec, classifierSpec, full });
  } finally {
    await full.settled();
  }
}

async function classifyAndDraw(
  input: PipelineInput,
  deps: PipelineDeps,
  timer: StageTimer,
  run: {
    detectorSpec: Promise<DetectorSpec>;
    classifierSpec: Promise<ClassifierSpec>;
    full: ReturnType<typeof fullDecode>;
  },
): Promise<PipelineResult> {
  const detected = await timer.time('detect', () => detect(run.detectorSpec, input, deps));
  const boxes = detected.detections.map((d) => d.box);
  const decodes = { scaled: detected.scaled, full: run.full.get };
  const { results, catalogue } = await timer.time('classify', () =>
    classify(input, boxes, decodes, run.classifierSpec, deps),
  );
  const bananas = detected.detections.map((d, i) => ({
    ...d,
    classification: results[i] as Classification,
  }));
  const result: PipelineResult = {
    bananas,
    catalogue,
    detectorModel: detected.model,
    minConfidence: detected.minConfidence,
  };
  if (input.options.format === 'none') return result;

  const image = await run.full.get();
  const annotations = bananas.map(({ box, confidence, classification }) => ({
    box,
    colour: stageColour(classification.stageIndex, catalogue.classes.length),
    stageLabel: stageText(classification.stage),
    detectionConfidence: confidence,
  }));
  const drawn = await timer.time('draw', () => drawAnnotations(image, annotations));
  result.annotatedJpeg = await timer.time('encode', () => encodeJpeg(drawn, input.options.quality));
  return result;
}

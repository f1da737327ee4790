/**
 * The pipeline of one photo: detect (a downscaled copy if large), classify the crops cut from
 * the decoded photo (batched), draw boxes and labels, encode the JPEG; with the stage timer
 * and the classifier's catalogue of stages it needs.
 */
import type { ClassifierClient, DetectorClient } from '../../../lib/client/index.js';
import { withSpan } from '../../../lib/tracing/index.js';
import type {
  Classification,
  ClassifyRequest,
  ClassifyResponse,
} from '../../../lib/gen/banana/v1/classifier.js';
import type { ModelInfo } from '../../../lib/gen/banana/v1/common.js';
import type { Box, RgbImage, Size } from '../../../lib/vision/index.js';
import { drawAnnotations, encodeJpeg } from '../draw/annotate.js';
import { stageColour } from '../draw/palette.js';
import { HttpError, upstreamHttpError, type ModelService } from '../errors.js';
import type { PipelineStage } from '../metrics.js';
import type { RequestOptions } from '../request.js';
import { boxesInOriginalFrame, cutClassifierCrops, prepareDetectorInput } from './model-inputs.js';

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

/** What an answer reports for a service that did not say which model it ran (proto3 message unset). */
export const UNKNOWN_MODEL: ModelInfo = { name: 'unknown', version: 'unknown' };

/** The classifier's stage names (least to most ripe) and model, as its last answer stated them. */
export interface ClassifierCatalogue {
  classes: string[];
  model: ModelInfo;
}

/**
 * A photo without bananas needs no classification, but its answer still lists every stage
 * and the classifier's model: this cache keeps them from the latest Classify response.
 */
export interface ClassifierCatalogueCache {
  remember(response: ClassifyResponse): ClassifierCatalogue;
  known(): ClassifierCatalogue | undefined;
}

/** The smallest real request, to learn the catalogue when no Classify call was made yet. */
export const CATALOGUE_PROBE: ClassifyRequest = {
  crops: [],
  rawCrops: [{ rgb: Buffer.alloc(3), width: 1, height: 1 }],
};

export function createClassifierCatalogueCache(): ClassifierCatalogueCache {
  let latest: ClassifierCatalogue | undefined;
  return {
    remember(response) {
      latest = {
        classes: [...response.classes],
        model: response.model ?? UNKNOWN_MODEL,
      };
      return latest;
    },
    known: () => latest,
  };
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

export interface PipelineInput {
  /** The photo as received (JPEG, PNG or WebP). */
  bytes: Buffer;
  /** The same photo decoded once (EXIF orientation applied); may still be decoding. */
  image: RgbImage | Promise<RgbImage>;
  /** Its size after EXIF orientation (from the header). */
  size: Size;
  options: RequestOptions;
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
  annotatedJpeg?: Buffer;
}

export interface PipelineDeps {
  detector: DetectorClient;
  classifier: ClassifierClient;
  catalogue: ClassifierCatalogueCache;
  detectDeadlineMs: number;
  classifyDeadlineMs: number;
  /** Most crops per Classify call: the classifier's MAX_BATCH. */
  classifyBatchSize: number;
  /** Called for every failed model call (metrics). */
  onUpstreamError(service: ModelService, error: unknown): void;
}

async function callModel<T>(
  service: ModelService,
  deadlineMs: number,
  deps: PipelineDeps,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    deps.onUpstreamError(service, error);
    throw upstreamHttpError(service, error, deadlineMs);
  }
}

async function detect(input: PipelineInput, deps: PipelineDeps, signal: AbortSignal) {
  const detectorInput = await prepareDetectorInput(input.bytes, input.size, input.image);
  const response = await callModel('detector', deps.detectDeadlineMs, deps, () =>
    deps.detector.detect(
      {
        image: detectorInput.bytes,
        minConfidence: input.options.minConfidence,
        iouThreshold: input.options.iou,
        maxDetections: input.options.maxDetections,
      },
      { deadlineMs: deps.detectDeadlineMs, signal },
    ),
  );
  // A box clamped to an image edge can collapse to zero area: not a banana, nothing to crop.
  const found = response.detections.filter(
    (d) => d.box !== undefined && d.box.xMax > d.box.xMin && d.box.yMax > d.box.yMin,
  );
  const boxes = boxesInOriginalFrame(
    found.map((d) => d.box as Box),
    detectorInput,
    input.size,
  );
  return {
    model: response.model ?? UNKNOWN_MODEL,
    detections: found.map((d, i) => ({ box: boxes[i] as Box, confidence: d.confidence })),
  };
}

async function classify(
  input: PipelineInput,
  image: RgbImage,
  boxes: readonly Box[],
  deps: PipelineDeps,
): Promise<{ results: Classification[]; catalogue: ClassifierCatalogue }> {
  const options = { deadlineMs: deps.classifyDeadlineMs, signal: input.signal };
  if (boxes.length === 0) {
    const catalogue =
      deps.catalogue.known() ??
      deps.catalogue.remember(
        await callModel('classifier', deps.classifyDeadlineMs, deps, () =>
          deps.classifier.classify(CATALOGUE_PROBE, options),
        ),
      );
    return { results: [], catalogue };
  }
  // One Classify call for all crops, split only above the classifier's batch limit
  // (MAX_BATCH); the parts then run in parallel, on different replicas.
  const rawCrops = await cutClassifierCrops(image, boxes);
  const responses = await Promise.all(
    inBatches(rawCrops, deps.classifyBatchSize).map((batch) =>
      callModel('classifier', deps.classifyDeadlineMs, deps, () =>
        deps.classifier.classify({ crops: [], rawCrops: batch }, options),
      ),
    ),
  );
  const results = responses.flatMap((response) => response.results);
  if (results.length !== boxes.length) {
    throw new HttpError(
      502,
      'upstream_error',
      `the classifier service returned ${results.length} results for ${boxes.length} crops`,
    );
  }
  return { results, catalogue: deps.catalogue.remember(responses[0] as ClassifyResponse) };
}

/**
 * detect (downscaled copy if large) -> one batched classify of crops cut from the decoded
 * photo -> boxes and labels drawn on the original-resolution photo -> JPEG.
 * A photo small enough to go to the detector as received goes while it is still being
 * decoded here: the two decodes overlap (two processes). Whichever of detection and decoding
 * fails first fails the request, and cancels the other.
 */
export async function runPipeline(
  input: PipelineInput,
  deps: PipelineDeps,
  timer: StageTimer,
): Promise<PipelineResult> {
  const failed = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, failed.signal]) : failed.signal;
  let detected: Awaited<ReturnType<typeof detect>>;
  let image: RgbImage;
  try {
    [detected, image] = await Promise.all([
      timer.time('detect', () => detect(input, deps, signal)),
      input.image,
    ]);
  } catch (error) {
    failed.abort();
    throw error;
  }
  const boxes = detected.detections.map((d) => d.box);
  const { results, catalogue } = await timer.time('classify', () =>
    classify(input, image, boxes, deps),
  );
  const bananas = detected.detections.map((d, i) => ({
    ...d,
    classification: results[i] as Classification,
  }));
  const result: PipelineResult = { bananas, catalogue, detectorModel: detected.model };
  if (input.options.format === 'none') return result;

  const annotations = bananas.map(({ box, classification }) => ({
    box,
    colour: stageColour(classification.stageIndex, catalogue.classes.length),
    stageLabel: classification.stage.replaceAll('_', ' '),
    stageConfidence: classification.confidence,
  }));
  const drawn = await timer.time('draw', () => drawAnnotations(image, annotations));
  result.annotatedJpeg = await timer.time('encode', () => encodeJpeg(drawn, input.options.quality));
  return result;
}

import type { Classification, ClassifyResponse } from '../../../lib/gen/banana/v1/classifier.js';
import type { ModelInfo } from '../../../lib/gen/banana/v1/common.js';
import type { Box, RgbImage, Size } from '../../../lib/vision/index.js';
import { drawAnnotations, encodeJpeg } from '../draw/annotate.js';
import { stageColour } from '../draw/palette.js';
import type { ClassifierClient, DetectorClient } from '../../../lib/client/index.js';
import { HttpError, upstreamHttpError, type ModelService } from '../errors.js';
import type { RequestOptions } from '../request.js';
import { inBatches } from './batches.js';
import { cutClassifierCrops } from './classifier-crops.js';
import {
  CATALOGUE_PROBE,
  UNKNOWN_MODEL,
  type ClassifierCatalogue,
  type ClassifierCatalogueCache,
} from './classifier-catalogue.js';
import { boxesInOriginalFrame, prepareDetectorInput } from './detector-input.js';
import type { StageTimer } from './stage-timer.js';

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

/**
 * The in-process limit: both models in this process, no network, no re-encoding. The same
 * steps as the deployed system, with the same library code: decode the photo at the
 * detector's letterboxed size and detect while it decodes at full resolution (the function's
 * decoder), cut the boxes from the full-resolution pixels at the classifier's input size (the
 * function's crop code), classify them in one batch, draw with the function's code and encode
 * the JPEG. Inference runs in
 * lib/inference worker pools that also build the tensors (as in the services), so the main
 * thread stays free, as a single-process deployment would have to do it.
 */
import { availableParallelism } from 'node:os';
import { drawAnnotations, encodeJpeg } from '../../lib/drawing/annotate.js';
import { stageColour, stageText } from '../../lib/drawing/labels.js';
import { openPhoto, type OpenedPhoto } from '../../function/src/image/decode-photo.js';
import { cropsForClassifier } from '../../function/src/pipeline/model-inputs.js';
import {
  packPixelBatch,
  startInferencePool,
  type InferencePool,
} from '../../lib/inference/index.js';
import {
  loadClassifierCard,
  loadDetectorCard,
  type ClassifierCard,
  type DetectorCard,
} from '../../lib/model-card/index.js';
import {
  logitsToClassProbabilities,
  paddingTensor,
  postprocessDetections,
  type ClassProbabilities,
  type RgbImage,
  type ScaledPhoto,
  type ScoredBox,
} from '../../lib/vision/index.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/index.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';

export interface FloorOptions {
  intraOpThreads?: number;
  maxImagePixels?: number;
}

export interface FloorRequest {
  jpeg: Buffer;
  minConfidence: number;
  maxDetections: number;
  iou?: number;
  quality?: number;
  /**
   * Also time the limit's decode and detector inference alone after the request (default
   * true): one more decode and inference per request, so throughput and CPU measurements of
   * the floor turn it off.
   */
  timeLimit?: boolean;
}

/** decode (full resolution) and detect (its own decode at the input size, then the model) overlap. */
export type FloorStage = 'decode' | 'detect' | 'classify' | 'draw' | 'encode';

/**
 * The operations no deployment of this pipeline can avoid, timed inside the same run: one
 * full-size decode, the detector's model call (batch 1), the classifier's model call (all
 * crops in one batch; 0 without crops) and one JPEG encode of the annotated photo. The decode
 * and the detector call are timed alone, after the pipeline, where they overlap.
 */
export interface LimitTimings {
  decode: number;
  detectInference: number;
  classifyInference: number;
  encode: number;
}

/** Sum of the limit's operations; without the encode for an answer without the photo. */
export function limitMs(limit: LimitTimings, withEncode: boolean): number {
  return (
    limit.decode + limit.detectInference + limit.classifyInference + (withEncode ? limit.encode : 0)
  );
}

export interface FloorResult {
  bananas: number;
  annotatedJpeg: Buffer;
  timingsMs: Record<FloorStage, number>;
  limitMs: LimitTimings;
  totalMs: number;
}

export interface FloorPipeline {
  run(request: FloorRequest): Promise<FloorResult>;
  close(): Promise<void>;
}

function pool(modelFile: string, card: DetectorCard | ClassifierCard, intraOpThreads: number) {
  return startInferencePool({
    modelPath: `${REPO_ROOT}${modelFile}`,
    inputName: card.input.name,
    outputName: card.output.name,
    intraOpThreads,
    workers: 1,
    maxQueue: 1024,
    maxBatch: 256,
    maxBatchDelayMs: 0,
    warmUpInput: paddingTensor(card.input),
    imageInput: card.input,
  });
}

export async function startFloorPipeline(options: FloorOptions = {}): Promise<FloorPipeline> {
  const threads = options.intraOpThreads ?? availableParallelism();
  const [detectorCard, classifierCard] = await Promise.all([
    loadDetectorCard(`${REPO_ROOT}models/detector.json`),
    loadClassifierCard(`${REPO_ROOT}models/classifier.json`),
  ]);
  const pools: InferencePool[] = [];
  try {
    pools.push(await pool('models/detector.onnx', detectorCard, threads));
    pools.push(await pool('models/classifier.onnx', classifierCard, threads));
  } catch (error) {
    await Promise.all(pools.map((p) => p.close()));
    throw error;
  }
  const [detector, classifier] = pools as [InferencePool, InferencePool];
  const models: FloorModels = {
    detectorCard,
    classifierCard,
    detector,
    classifier,
    maxPixels: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
  };
  return {
    run: (request) => runFloor(models, request),
    close: async () => {
      await Promise.all(pools.map((p) => p.close()));
    },
  };
}

/** Both models' cards and worker pools, and the largest photo accepted. */
interface FloorModels {
  detectorCard: DetectorCard;
  classifierCard: ClassifierCard;
  detector: InferencePool;
  classifier: InferencePool;
  maxPixels: number;
}

/** One request through the in-process pipeline, each stage timed, then the limit's operations. */
async function runFloor(models: FloorModels, request: FloorRequest): Promise<FloorResult> {
  const start = performance.now();
  const lap = lapTimer(start);

  const photo = await openPhoto(request.jpeg, models.maxPixels);
  let decode = 0;
  const fullImage = photo.decode().then((decoded) => {
    decode = performance.now() - start;
    return decoded;
  });
  fullImage.catch(() => undefined);

  const { letterboxed, scaled, found } = await detectBoxes(models, photo, request);
  const detect = lap();
  const image = await fullImage;
  lap();

  const { results, classifyInference } = await classifyBoxes(models, image, scaled, found);
  const classify = lap();

  const classes = models.classifierCard.classes;
  const drawn = await drawAnnotations(image, annotationsOf(found, results, classes));
  const draw = lap();
  const annotatedJpeg = await encodeJpeg(drawn, request.quality ?? 85);
  const encode = lap();
  const totalMs = performance.now() - start;

  const alone =
    request.timeLimit === false
      ? { decode: NaN, detectInference: NaN }
      : await timeAlone(models, photo, letterboxed);
  return {
    bananas: found.length,
    annotatedJpeg,
    timingsMs: { decode, detect, classify, draw, encode },
    limitMs: {
      decode: alone.decode,
      detectInference: alone.detectInference,
      classifyInference,
      encode,
    },
    totalMs,
  };
}

/** Returns a function that gives the milliseconds since its previous call (the first: since start). */
function lapTimer(start: number): () => number {
  let mark = start;
  return () => {
    const now = performance.now();
    const elapsed = now - mark;
    mark = now;
    return elapsed;
  };
}

/** The detector's own decode at its letterboxed input size, its model call and the boxes found. */
async function detectBoxes(models: FloorModels, photo: OpenedPhoto, request: FloorRequest) {
  const { detectorCard, detector } = models;
  const {
    image: letterboxed,
    geometry,
    scaled,
  } = await photo.decodeLetterboxed(detectorCard.input);
  const detectorBatch = packPixelBatch([{ image: letterboxed, left: 0, top: 0 }]);
  const head = await detector.run(detectorBatch);
  const found = postprocessDetections(head.output.data, detectorCard, geometry, {
    minConfidence: request.minConfidence,
    iou: request.iou ?? detectorCard.thresholds.iou,
    maxDetections: request.maxDetections,
  });
  return { letterboxed, scaled: { image: scaled, source: geometry.source }, found };
}

/**
 * The boxes cut as the function cuts them (from the detector's scaled decode where they keep
 * the classifier's input size, else from the full-resolution pixels) and classified in one
 * batch; the model call alone is timed (classifyInference, 0 without boxes).
 */
async function classifyBoxes(
  models: FloorModels,
  image: RgbImage,
  scaled: ScaledPhoto,
  found: ScoredBox[],
): Promise<{ results: ClassProbabilities[]; classifyInference: number }> {
  if (found.length === 0) return { results: [], classifyInference: 0 };
  const { classifierCard, classifier } = models;
  const crops = (
    await cropsForClassifier(
      found.map((f) => f.box),
      scaled,
      () => Promise.resolve(image),
      classifierCard.input,
    )
  ).map(({ rgb, width, height }) => ({ data: rgb, width, height }));
  const classifierBatch = packPixelBatch(crops.map((crop) => ({ image: crop, left: 0, top: 0 })));
  const classifyStart = performance.now();
  const logits = await classifier.run(classifierBatch);
  const classifyInference = performance.now() - classifyStart;
  return {
    results: logitsToClassProbabilities(logits.output.data, classifierCard.classes.length),
    classifyInference,
  };
}

/** What the function draws for each box: its stage's colour and label, and the confidence. */
function annotationsOf(
  found: ScoredBox[],
  results: ClassProbabilities[],
  classes: readonly string[],
) {
  return found.map(({ box, score }, i) => {
    const result = results[i] ?? { index: 0, confidence: 0 };
    return {
      box,
      colour: stageColour(result.index, classes.length),
      stageLabel: stageText(classes[result.index] ?? ''),
      detectionConfidence: score,
    };
  });
}

/**
 * In the pipeline the full decode overlaps the detector's decode and model call, so the
 * limit's detector inference and decode are timed again, each alone, after it.
 */
async function timeAlone(
  models: FloorModels,
  photo: OpenedPhoto,
  letterboxed: RgbImage,
): Promise<{ decode: number; detectInference: number }> {
  let aloneStart = performance.now();
  await models.detector.run(packPixelBatch([{ image: letterboxed, left: 0, top: 0 }]));
  const detectInference = performance.now() - aloneStart;
  aloneStart = performance.now();
  await photo.decode();
  const decode = performance.now() - aloneStart;
  return { decode, detectInference };
}

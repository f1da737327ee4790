/** Runs the shipped models over a dataset with the services' own preprocessing code. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/index.js';
import type { ClassifierCard, DetectorCard } from '../../lib/model-card/index.js';
import {
  decodeImage,
  decodeScaledForLetterbox,
  letterboxTensor,
  logitsToClassProbabilities,
  postprocessDetections,
  preprocessCrop,
  toInputTensor,
} from '../../lib/vision/index.js';
import type {
  ClassProbabilities,
  RgbImage,
  ScaledPhoto,
  ScoredBox,
  Size,
} from '../../lib/vision/index.js';
import type { CropSample, DetectionSample } from './dataset.js';
import { readYoloLabels } from './dataset.js';
import type { ImageDetections } from './detection-metrics.js';

export const LIMITS = { maxPixels: DEFAULT_MAX_IMAGE_PIXELS };
/** AP needs the whole ranked list: keep nearly everything, as the Python evaluation does. */
export const AP_MIN_CONFIDENCE = 0.001;

export function openSession(modelPath: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: availableParallelism(),
    interOpNumThreads: 1,
  });
}

/** Detections on one encoded photo, in its pixels, kept down to `minConfidence`. */
export async function detectBytes(
  session: ort.InferenceSession,
  card: DetectorCard,
  bytes: Uint8Array,
  minConfidence: number,
): Promise<{ predictions: ScoredBox[]; source: Size; scaled: ScaledPhoto }> {
  const scaled = await decodeScaledForLetterbox(bytes, card.input, LIMITS);
  const input = letterboxTensor(scaled, card.input);
  const feeds = { [card.input.name]: new ort.Tensor('uint8', input.tensor, input.dims) };
  const output = (await session.run(feeds))[card.output.name];
  if (!output) throw new Error(`model has no output named ${card.output.name}`);
  const predictions = postprocessDetections(output.data as Float32Array, card, input.geometry, {
    minConfidence,
    iou: card.thresholds.iou,
    maxDetections: card.thresholds.maxDetections,
  });
  const source = scaled.geometry.source;
  return { predictions, source, scaled: { image: scaled.image, source } };
}

async function detectPhoto(
  session: ort.InferenceSession,
  card: DetectorCard,
  imagePath: string,
  minConfidence: number,
) {
  return detectBytes(session, card, await readFile(imagePath), minConfidence);
}

export async function runDetector(
  session: ort.InferenceSession,
  card: DetectorCard,
  samples: readonly DetectionSample[],
  onProgress: (done: number) => void,
): Promise<ImageDetections[]> {
  const results: ImageDetections[] = [];
  for (const sample of samples) {
    const { predictions, source } = await detectPhoto(
      session,
      card,
      sample.imagePath,
      AP_MIN_CONFIDENCE,
    );
    results.push({
      predictions,
      truth: await readYoloLabels(sample.labelPath, source.width, source.height),
    });
    onProgress(results.length);
  }
  return results;
}

/** How many of the photos get at least one detection at the card's confidence threshold. */
export async function countPhotosWithDetections(
  session: ort.InferenceSession,
  card: DetectorCard,
  imagePaths: readonly string[],
): Promise<number> {
  let withDetections = 0;
  for (const path of imagePaths) {
    const { predictions } = await detectPhoto(session, card, path, card.thresholds.confidence);
    if (predictions.length > 0) withDetections += 1;
  }
  return withDetections;
}

export async function runClassifier(
  session: ort.InferenceSession,
  card: ClassifierCard,
  samples: readonly CropSample[],
  batchSize = 64,
): Promise<ClassProbabilities[]> {
  const predicted: ClassProbabilities[] = [];
  for (let start = 0; start < samples.length; start += batchSize) {
    const batch = samples.slice(start, start + batchSize);
    const crops = await Promise.all(
      batch.map(async (s) =>
        preprocessCrop(await decodeImage(await readFile(s.imagePath), LIMITS), card.input),
      ),
    );
    predicted.push(...(await classifyCrops(session, card, crops)).classes);
  }
  return predicted;
}

/**
 * Class probabilities of crops already at the classifier's input size (one batch), and the
 * values of the `rejectOutput` output (one "not a banana" logit per crop) when named.
 */
export async function classifyCrops(
  session: ort.InferenceSession,
  card: ClassifierCard,
  crops: readonly RgbImage[],
  rejectOutput?: string,
): Promise<{ classes: ClassProbabilities[]; reject?: Float32Array }> {
  if (crops.length === 0) return { classes: [] };
  const dims = [crops.length, card.input.height, card.input.width, 3];
  const feeds = {
    [card.input.name]: new ort.Tensor('uint8', toInputTensor(crops, card.input), dims),
  };
  const outputs = await session.run(feeds);
  const output = outputs[card.output.name];
  if (!output) throw new Error(`model has no output named ${card.output.name}`);
  const logits = output.data as Float32Array;
  const classes = logitsToClassProbabilities(logits, logits.length / crops.length);
  if (rejectOutput === undefined) return { classes };
  const reject = outputs[rejectOutput];
  if (!reject) throw new Error(`model has no output named ${rejectOutput}`);
  return { classes, reject: reject.data as Float32Array };
}

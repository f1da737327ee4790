/**
 * The real-world report: the shipped models over photo sets from sources other than the
 * training dataset, described by DIR/manifest.json (written by models/data/fetch_realworld.py).
 * Negative sets: the share of photos with any banana. Banana sets: the share where a banana is
 * found, the count error where boxes are labelled, coarse ripeness where folders name it.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ClassifierCard, DetectorCard } from '../../lib/model-card/index.js';
import {
  cropBoxesFromDecodes,
  decodeImage,
  ImageInputError,
  sigmoid,
} from '../../lib/vision/index.js';
import type { ScoredBox } from '../../lib/vision/index.js';
import { photosUnder, readYoloLabels } from './dataset.js';
import {
  COARSE_RIPENESS,
  countReport,
  CURVE_CONFIDENCES,
  isCoarseRipeness,
  photoCoarseRipeness,
  shareAtConfidences,
  type CoarseRipeness,
  type CountPair,
} from './realworld-metrics.js';
import { classifyCrops, detectBytes, LIMITS } from './run-models.js';

export interface RealWorldSet {
  name: string;
  /** train: training, tuning and mining only; heldout: a training source's test split; eval: never trained or tuned on. */
  role: 'train' | 'heldout' | 'eval';
  kind: 'negatives' | 'bananas';
  source: string;
  /** Relative to the manifest's folder. */
  path: string;
  /** yolo: images/ + labels/ with one box per banana; coarse_ripeness_folders: <unripe|fresh|rotten>/. */
  labels?: 'none' | 'yolo' | 'coarse_ripeness_folders';
}

export interface Models {
  detector: ort.InferenceSession;
  detectorCard: DetectorCard;
  classifier: ort.InferenceSession;
  classifierCard: ClassifierCard;
  /**
   * The classifier's "not a banana" output (card output.reject), if it has one: a box whose
   * sigmoid(logit) >= threshold is dropped from the answer.
   */
  reject?: { name: string; threshold: number };
}

export async function readManifest(dir: string): Promise<RealWorldSet[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    sets?: unknown;
  };
  if (!Array.isArray(manifest.sets)) throw new Error(`${dir}/manifest.json has no "sets" list`);
  return manifest.sets as RealWorldSet[];
}

interface PhotoResult {
  boxes: ScoredBox[];
  /** The detector's highest score down to the lowest curve confidence (0 when no box). */
  maxScore: number;
  /** The detector's boxes before the classifier's rejection. */
  detected: number;
  /** Boxes dropped by the classifier's rejection class. */
  rejected: number;
  /** Stage probabilities of each kept box (only when asked for). */
  stages: number[][];
}

/**
 * Detector at the card's thresholds, then (when needed) the classifier on every box, as the
 * function does. The detector runs down to the lowest curve confidence; keeping the boxes from
 * the card's confidence on afterwards gives the same boxes as NMS at that confidence, since
 * greedy NMS only lets a box be suppressed by a higher-scoring one.
 */
async function analysePhoto(models: Models, path: string, classify: boolean): Promise<PhotoResult> {
  const bytes = await readFile(path);
  const confidence = models.detectorCard.thresholds.confidence;
  const detected = await detectBytes(
    models.detector,
    models.detectorCard,
    bytes,
    Math.min(confidence, ...CURVE_CONFIDENCES),
  );
  const { scaled } = detected;
  const maxScore = Math.max(0, ...detected.predictions.map((p) => p.score));
  const predictions = detected.predictions.filter((p) => p.score >= confidence);
  if (predictions.length === 0 || (!classify && models.reject === undefined)) {
    return { boxes: predictions, maxScore, detected: predictions.length, rejected: 0, stages: [] };
  }
  // Cut as the function cuts them: from the detector's decode where the box keeps the
  // classifier's input size there, else from the full-resolution decode.
  const crops = await cropBoxesFromDecodes(
    predictions.map((p) => p.box),
    scaled,
    () => decodeImage(bytes, LIMITS),
    models.classifierCard.input,
  );
  const { classes, reject } = await classifyCrops(
    models.classifier,
    models.classifierCard,
    crops,
    models.reject?.name,
  );
  const threshold = models.reject?.threshold ?? Infinity;
  const keep = classes.map((_, i) => !(sigmoid(reject?.[i] ?? -Infinity) >= threshold));
  return {
    boxes: predictions.filter((_, i) => keep[i]),
    maxScore,
    detected: predictions.length,
    rejected: keep.filter((k) => !k).length,
    stages: classes.filter((_, i) => keep[i]).map((r) => r.probabilities),
  };
}

/** analysePhoto over many photos; unreadable photos are counted and skipped. */
async function analyseAll(models: Models, paths: readonly string[], classify: boolean) {
  const results: { path: string; result: PhotoResult }[] = [];
  let unreadable = 0;
  for (const path of paths) {
    try {
      results.push({ path, result: await analysePhoto(models, path, classify) });
    } catch (error) {
      if (!(error instanceof ImageInputError)) throw error;
      unreadable += 1;
    }
  }
  return { results, unreadable };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] ?? 0) : 0;
};

async function negativesReport(models: Models, dir: string) {
  const { results, unreadable } = await analyseAll(models, await photosUnder(dir), false);
  const hits = results.filter((r) => r.result.boxes.length > 0);
  return {
    photos: results.length,
    unreadable,
    with_banana: hits.length,
    rate_with_banana: results.length ? hits.length / results.length : 0,
    median_false_box_score: median(hits.flatMap((r) => r.result.boxes.map((b) => b.score))),
    boxes_rejected_by_classifier: results.reduce((s, r) => s + r.result.rejected, 0),
    rate_with_banana_detector_only: results.length
      ? results.filter((r) => r.result.detected > 0).length / results.length
      : 0,
    rate_with_banana_by_confidence: shareAtConfidences(results.map((r) => r.result.maxScore)),
  };
}

async function countsFor(dir: string, results: readonly { path: string; result: PhotoResult }[]) {
  const pairs: CountPair[] = [];
  const detectorOnly: CountPair[] = [];
  for (const { path, result } of results) {
    const stem = relative(join(dir, 'images'), path).replace(/\.[^.]+$/, '');
    const truth = await readYoloLabels(join(dir, 'labels', `${stem}.txt`), 1, 1);
    pairs.push({ predicted: result.boxes.length, truth: truth.length });
    detectorOnly.push({ predicted: result.detected, truth: truth.length });
  }
  return {
    ...countReport(pairs),
    count_error_detector_only: countReport(detectorOnly).count_error,
  };
}

function ripenessFor(
  dir: string,
  results: readonly { path: string; result: PhotoResult }[],
  classes: readonly string[],
) {
  const confusion = COARSE_RIPENESS.map(() => COARSE_RIPENESS.map(() => 0));
  for (const { path, result } of results) {
    const truth = relative(dir, path).split(sep)[0] ?? '';
    const predicted = photoCoarseRipeness(result.stages, classes);
    if (!isCoarseRipeness(truth) || predicted === undefined) continue;
    const row = confusion[COARSE_RIPENESS.indexOf(truth)];
    if (row)
      row[COARSE_RIPENESS.indexOf(predicted)] = (row[COARSE_RIPENESS.indexOf(predicted)] ?? 0) + 1;
  }
  const correct = (c: CoarseRipeness) =>
    confusion[COARSE_RIPENESS.indexOf(c)]?.[COARSE_RIPENESS.indexOf(c)] ?? 0;
  const total = (c: CoarseRipeness) =>
    (confusion[COARSE_RIPENESS.indexOf(c)] ?? []).reduce((s, n) => s + n, 0);
  const all = COARSE_RIPENESS.reduce((s, c) => s + total(c), 0);
  return {
    coarse_ripeness_accuracy: all ? COARSE_RIPENESS.reduce((s, c) => s + correct(c), 0) / all : 0,
    coarse_ripeness_by_class: Object.fromEntries(
      COARSE_RIPENESS.map((c) => [c, total(c) ? correct(c) / total(c) : null]),
    ),
    coarse_ripeness_confusion: confusion,
    coarse_ripeness_photos: all,
  };
}

async function bananasReport(models: Models, set: RealWorldSet, dir: string) {
  const photoDir = set.labels === 'yolo' ? join(dir, 'images') : dir;
  const ripeness = set.labels === 'coarse_ripeness_folders';
  const { results, unreadable } = await analyseAll(models, await photosUnder(photoDir), ripeness);
  const found = results.filter((r) => r.result.boxes.length > 0).length;
  return {
    photos: results.length,
    unreadable,
    found_rate: results.length ? found / results.length : 0,
    found_rate_detector_only: results.length
      ? results.filter((r) => r.result.detected > 0).length / results.length
      : 0,
    found_rate_by_confidence: shareAtConfidences(results.map((r) => r.result.maxScore)),
    boxes_rejected_by_classifier: results.reduce((s, r) => s + r.result.rejected, 0),
    ...(set.labels === 'yolo' ? await countsFor(dir, results) : {}),
    ...(ripeness ? ripenessFor(dir, results, models.classifierCard.classes) : {}),
  };
}

/** Every eval and held-out set of the manifest (train sets too with includeTrain), printed as it goes. */
export async function evaluateRealWorld(
  dir: string,
  models: Models,
  includeTrain = false,
): Promise<Record<string, object>> {
  const report: Record<string, object> = {};
  for (const set of await readManifest(dir)) {
    if (set.role === 'train' && !includeTrain) continue;
    const started = Date.now();
    const setDir = join(dir, set.path);
    const measured =
      set.kind === 'negatives'
        ? await negativesReport(models, setDir)
        : await bananasReport(models, set, setDir);
    report[set.name] = { role: set.role, kind: set.kind, source: set.source, ...measured };
    const shown = Object.entries(measured).flatMap(([k, v]) =>
      typeof v === 'number' ? [`${k} ${Number.isInteger(v) ? String(v) : v.toFixed(4)}`] : [],
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`  ${set.name} (${set.role}, ${set.kind}): ${shown.join('  ')}  (${seconds} s)`);
    const curve = Object.entries(measured).find(([k]) => k.endsWith('_by_confidence'));
    if (curve) {
      const points = Object.entries(curve[1] as Record<string, number>);
      console.log(`    ${curve[0]}: ${points.map(([c, v]) => `${c} ${v.toFixed(3)}`).join('  ')}`);
    }
  }
  return report;
}

/**
 * Detection metrics, defined exactly as models/training/detection_metrics.py computes them,
 * so the TypeScript and Python numbers can be compared:
 * - detections of all images sorted by score (descending, stable); each is matched greedily to
 *   the unmatched ground-truth box of highest IoU in its image, a true positive when IoU >= t;
 * - AP: precision made monotone from the right, COCO-style 101-point interpolation over recall;
 * - mAP@0.5:0.95: mean AP over t = 0.50, 0.55, ..., 0.95;
 * - precision/recall at the default threshold: detections with score >= confidence, t = 0.5;
 * - duplicate rate at the default threshold: the share of those detections that are not
 *   matched but overlap (IoU >= 0.5) a ground-truth box a higher-scoring detection already
 *   matched, i.e. second boxes on one banana (over all detections kept).
 */
import { iou, type Box, type ScoredBox } from '../../lib/vision/index.js';

export interface ImageDetections {
  predictions: ScoredBox[];
  truth: Box[];
}

export interface DetectionReport {
  precision: number;
  recall: number;
  duplicate_rate: number;
  map50: number;
  map50_95: number;
}

interface Matched {
  truePositive: boolean[];
  /** Not matched, but IoU >= threshold with a ground truth matched by a higher-scoring detection. */
  duplicate: boolean[];
  groundTruthCount: number;
}

function match(images: readonly ImageDetections[], threshold: number): Matched {
  const entries = images.flatMap((image, imageIndex) =>
    image.predictions.map((prediction) => ({ prediction, imageIndex })),
  );
  entries.sort((a, b) => b.prediction.score - a.prediction.score);
  const used = images.map((image) => image.truth.map(() => false));
  const duplicate: boolean[] = [];
  const truePositive = entries.map(({ prediction, imageIndex }) => {
    const truths = images[imageIndex]?.truth ?? [];
    const taken = used[imageIndex] ?? [];
    let best = -1;
    let bestIou = -1;
    let overlapsTaken = false;
    truths.forEach((truth, t) => {
      const overlap = iou(prediction.box, truth);
      if (taken[t]) overlapsTaken ||= overlap >= threshold;
      else if (overlap > bestIou) {
        bestIou = overlap;
        best = t;
      }
    });
    const matched = best >= 0 && bestIou >= threshold;
    if (matched) taken[best] = true;
    duplicate.push(!matched && overlapsTaken);
    return matched;
  });
  const groundTruthCount = images.reduce((n, image) => n + image.truth.length, 0);
  return { truePositive, duplicate, groundTruthCount };
}

/** Precision made monotone from the right (each value is the best precision at that recall or more). */
function monotonePrecision(truePositive: readonly boolean[], groundTruthCount: number) {
  let hits = 0;
  const points = truePositive.map((tp, i) => {
    if (tp) hits++;
    return { recall: hits / groundTruthCount, precision: hits / (i + 1) };
  });
  let best = 0;
  for (let i = points.length - 1; i >= 0; i--) {
    const point = points[i];
    if (!point) continue;
    best = Math.max(best, point.precision);
    point.precision = best;
  }
  return points;
}

export function averagePrecision(images: readonly ImageDetections[], threshold: number): number {
  const { truePositive, groundTruthCount } = match(images, threshold);
  if (groundTruthCount === 0) return 0;
  const points = monotonePrecision(truePositive, groundTruthCount);
  let total = 0;
  let cursor = 0;
  for (let k = 0; k <= 100; k++) {
    const r = k / 100 - 1e-12;
    while (cursor < points.length && (points[cursor]?.recall ?? Infinity) < r) cursor++;
    total += points[cursor]?.precision ?? 0;
  }
  return total / 101;
}

/** Precision, recall and duplicate rate of the detections with score >= confidence. */
export function precisionRecallAt(
  images: readonly ImageDetections[],
  confidence: number,
  threshold = 0.5,
): { precision: number; recall: number; duplicate_rate: number } {
  const kept = images.map((image) => ({
    truth: image.truth,
    predictions: image.predictions.filter((p) => p.score >= confidence),
  }));
  const { truePositive, duplicate, groundTruthCount } = match(kept, threshold);
  const hits = truePositive.filter(Boolean).length;
  const detections = truePositive.length;
  return {
    precision: detections ? hits / detections : 0,
    recall: groundTruthCount ? hits / groundTruthCount : 0,
    duplicate_rate: detections ? duplicate.filter(Boolean).length / detections : 0,
  };
}

export function detectionReport(
  images: readonly ImageDetections[],
  confidence: number,
): DetectionReport {
  const thresholds = Array.from({ length: 10 }, (_, i) => 0.5 + i * 0.05);
  const aps = thresholds.map((t) => averagePrecision(images, t));
  return {
    ...precisionRecallAt(images, confidence),
    map50: averagePrecision(images, 0.5),
    map50_95: aps.reduce((a, b) => a + b, 0) / aps.length,
  };
}

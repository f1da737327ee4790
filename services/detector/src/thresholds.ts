import type { DetectRequest } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { DetectionThresholds } from '../../../lib/vision/index.js';

function fraction(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0 && value <= 1))
    throw invalidArgument(`${field} must be in [0, 1], got ${value}`);
  return value;
}

/** The request's thresholds, each defaulting to the model card's; out-of-range values are refused. */
export function thresholdsOf(request: DetectRequest, card: DetectorCard): DetectionThresholds {
  const maxDetections = request.maxDetections ?? card.thresholds.maxDetections;
  if (maxDetections < 1) throw invalidArgument('max_detections must be at least 1');
  return {
    minConfidence: fraction(request.minConfidence, 'min_confidence', card.thresholds.confidence),
    iou: fraction(request.iouThreshold, 'iou_threshold', card.thresholds.iou),
    maxDetections,
  };
}

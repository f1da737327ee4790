import type { DetectRequest } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { DetectionThresholds } from '../../../lib/vision/index.js';

/** The names a caller knows the thresholds by, for messages. */
export interface ThresholdNames {
  minConfidence: string;
  iou: string;
  maxDetections: string;
}

/** banana.v1 DetectRequest's field names. */
const DETECT_FIELDS: ThresholdNames = {
  minConfidence: 'min_confidence',
  iou: 'iou_threshold',
  maxDetections: 'max_detections',
};

function fraction(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0 && value <= 1))
    throw invalidArgument(`${field} must be in [0, 1], got ${value}`);
  return value;
}

/**
 * The request's thresholds, each defaulting to the model card's; out-of-range values are
 * refused, naming the field as `names` (default: DetectRequest's) calls it.
 */
export function thresholdsOf(
  request: Pick<DetectRequest, 'minConfidence' | 'iouThreshold' | 'maxDetections'>,
  card: DetectorCard,
  names: ThresholdNames = DETECT_FIELDS,
): DetectionThresholds {
  const maxDetections = request.maxDetections ?? card.thresholds.maxDetections;
  if (maxDetections < 1) throw invalidArgument(`${names.maxDetections} must be at least 1`);
  return {
    minConfidence: fraction(request.minConfidence, names.minConfidence, card.thresholds.confidence),
    iou: fraction(request.iouThreshold, names.iou, card.thresholds.iou),
    maxDetections,
  };
}

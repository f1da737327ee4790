import type { DetectRequest } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import { resolveThresholds, type ThresholdNames } from '../../../lib/vision/detections.js';
import type { DetectionThresholds } from '../../../lib/vision/index.js';

/** banana.v1 DetectRequest's field names. */
const DETECT_FIELDS: ThresholdNames = {
  minConfidence: 'min_confidence',
  iou: 'iou_threshold',
  maxDetections: 'max_detections',
};

/**
 * The request's thresholds, each defaulting to the model card's; values outside the ranges
 * of lib/options (the same the function's HTTP options have) are refused with
 * INVALID_ARGUMENT, naming the field as `names` (default: DetectRequest's) calls it.
 */
export function thresholdsOf(
  request: Pick<DetectRequest, 'minConfidence' | 'iouThreshold' | 'maxDetections'>,
  card: DetectorCard,
  names: ThresholdNames = DETECT_FIELDS,
): DetectionThresholds {
  return resolveThresholds(
    {
      minConfidence: request.minConfidence,
      iou: request.iouThreshold,
      maxDetections: request.maxDetections,
    },
    card,
    names,
    invalidArgument,
  );
}

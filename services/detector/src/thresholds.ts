import type { DetectRequest } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import { checkOption, type OptionName } from '../../../lib/options/options.js';
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

/** A threshold given in a request, checked against its definition in lib/options. */
function given(value: number | undefined, option: OptionName, field: string): number | undefined {
  if (value === undefined) return undefined;
  const result = checkOption(option, value);
  if (result.error !== undefined) throw invalidArgument(`${field} ${result.error}`);
  return value;
}

/**
 * The request's thresholds, each defaulting to the model card's; values outside the ranges
 * of lib/options (the same the function's HTTP options have) are refused, naming the field
 * as `names` (default: DetectRequest's) calls it.
 */
export function thresholdsOf(
  request: Pick<DetectRequest, 'minConfidence' | 'iouThreshold' | 'maxDetections'>,
  card: DetectorCard,
  names: ThresholdNames = DETECT_FIELDS,
): DetectionThresholds {
  return {
    minConfidence:
      given(request.minConfidence, 'min_confidence', names.minConfidence) ??
      card.thresholds.confidence,
    iou: given(request.iouThreshold, 'iou', names.iou) ?? card.thresholds.iou,
    maxDetections:
      given(request.maxDetections, 'max_detections', names.maxDetections) ??
      card.thresholds.maxDetections,
  };
}

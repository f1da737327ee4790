import { invalidArgument } from '../../../lib/grpc-server/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import {
  bytesOf,
  createImageModel,
  type ExtraOutput,
  type InferenceModel,
  type Parameters,
} from '../../../lib/open-inference/index.js';
import { letterboxGeometry, postprocessDetections } from '../../../lib/vision/index.js';
import type { DetectorConfig } from './config.js';
import { thresholdsOf } from './thresholds.js';

/** The detections output's parameters; missing ones default to the card's thresholds. */
export const DETECTION_PARAMETERS = {
  minConfidence: 'confidence',
  iou: 'iou',
  maxDetections: 'max_detections',
} as const;

/** x1, y1, x2, y2, score, class: one row per detection. */
const DETECTION_COLUMNS = 6;

function numberParameter(parameters: Parameters, name: string): number | undefined {
  const value = parameters[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') {
    throw invalidArgument(`parameter "${name}" must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function integerParameter(parameters: Parameters, name: string): number | undefined {
  const value = numberParameter(parameters, name);
  if (value !== undefined && !Number.isSafeInteger(value)) {
    throw invalidArgument(`parameter "${name}" must be an integer, got ${value}`);
  }
  return value;
}

/**
 * The `detections` output: the head decoded and suppressed (NMS) by the same code as Detect,
 * boxes in pixels of the model input the caller sent (one image), most confident first.
 */
function detectionsOutput(card: DetectorCard): ExtraOutput {
  const inputSize = { width: card.input.width, height: card.input.height };
  // The input is the model-sized image itself: boxes stay in its pixels (clamped to it).
  const geometry = letterboxGeometry(inputSize, inputSize);
  const names = DETECTION_PARAMETERS;
  return {
    metadata: { name: 'detections', datatype: 'FP32', shape: [-1, DETECTION_COLUMNS] },
    prepare(parameters, images) {
      if (images !== 1) {
        throw invalidArgument(
          `output "detections" needs a batch of one image, got ${images}: ask for "head" to run a batch`,
        );
      }
      const thresholds = thresholdsOf(
        {
          minConfidence: numberParameter(parameters, names.minConfidence),
          iouThreshold: numberParameter(parameters, names.iou),
          maxDetections: integerParameter(parameters, names.maxDetections),
        },
        card,
        names,
      );
      return (head) => {
        const found = postprocessDetections(head.data, card, geometry, thresholds);
        const rows = new Float32Array(found.length * DETECTION_COLUMNS);
        found.forEach(({ box, score }, i) => {
          rows.set([box.xMin, box.yMin, box.xMax, box.yMax, score, 0], i * DETECTION_COLUMNS);
        });
        return {
          name: 'detections',
          datatype: 'FP32',
          shape: [found.length, DETECTION_COLUMNS],
          data: bytesOf(rows),
        };
      };
    },
  };
}

/**
 * The detector as the Open Inference Protocol's model: input `images` UINT8 [-1, H, W, 3],
 * output `head` FP32 [-1, N, 5] (N: the card's grid cells over all levels), and `detections`.
 */
export function createDetectorInferenceModel(
  context: ModelServiceContext<DetectorCard, DetectorConfig>,
): InferenceModel {
  const { card } = context;
  const cells = card.output.levels.reduce((sum, l) => sum + l.gridWidth * l.gridHeight, 0);
  return createImageModel({
    card,
    outputShape: [-1, cells, 5],
    context,
    extraOutputs: [detectionsOutput(card)],
    parameters: {
      [DETECTION_PARAMETERS.minConfidence]: card.thresholds.confidence,
      [`${DETECTION_PARAMETERS.minConfidence}_source`]: card.thresholds.source,
      [DETECTION_PARAMETERS.iou]: card.thresholds.iou,
      [DETECTION_PARAMETERS.maxDetections]: card.thresholds.maxDetections,
    },
  });
}

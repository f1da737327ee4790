/**
 * The JSON answer to a classify request, built from the pipeline's result. Pure (nothing from
 * Node): the browser's device mode (web/src/device.ts) builds its answers with it too, so that
 * both modes answer alike.
 */
import type { ModelInfo } from '../../lib/gen/banana/v1/common.js';
import { stageColour } from '../../lib/drawing/labels.js';
import { ripenessIndex } from '../../lib/vision/softmax.js';
import type { Size } from '../../lib/vision/types.js';
import type { PipelineResult, StageTimings } from './pipeline/run-pipeline.js';

export interface DetectionBody {
  box: { x_min: number; y_min: number; x_max: number; y_max: number };
  confidence: number;
  stage: string;
  stage_confidence: number;
  /** Expected stage under `probabilities`, 0 (first stage) … stages − 1 (lib/vision ripenessIndex). */
  ripeness_index: number;
  probabilities: Record<string, number>;
}

/** The JSON answer to a classify request (documented in docs/function.md). */
export interface ClassifyResponseBody {
  /** Base64 JPEG of the annotated photo; absent with format=none. */
  img?: string;
  detections: DetectionBody[];
  /** Bananas per stage, every stage listed. */
  summary: Record<string, number>;
  /** Stages from least to most ripe with the colour of their boxes. */
  stages: Array<{ name: string; colour: string }>;
  image: Size;
  models: {
    /** With the confidence threshold applied and its source ("request", "model card", "calibration <n> ..."). */
    detector: ModelInfo & { min_confidence?: number; min_confidence_source?: string };
    classifier: ModelInfo;
  };
  timings_ms: StageTimings & { total: number };
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function roundTimings(timings: StageTimings, totalMs: number): ClassifyResponseBody['timings_ms'] {
  const rounded = Object.fromEntries(
    Object.entries(timings).map(([stage, ms]) => [stage, round(ms, 1)]),
  ) as StageTimings;
  return { ...rounded, total: round(totalMs, 1) };
}

/** The answer but its `img`, which classify.ts streams in front of it. */
export type AnswerWithoutImage = Omit<ClassifyResponseBody, 'img'>;

export function buildResponseBody(
  result: PipelineResult,
  image: Size,
  timings: StageTimings,
  totalMs: number,
): AnswerWithoutImage {
  const { classes } = result.catalogue;
  const summary = Object.fromEntries(classes.map((name) => [name, 0]));
  const detections = result.bananas.map(({ box, confidence, classification }) => {
    summary[classification.stage] = (summary[classification.stage] ?? 0) + 1;
    return {
      box: {
        x_min: round(box.xMin, 1),
        y_min: round(box.yMin, 1),
        x_max: round(box.xMax, 1),
        y_max: round(box.yMax, 1),
      },
      confidence: round(confidence, 4),
      stage: classification.stage,
      stage_confidence: round(classification.confidence, 4),
      ripeness_index: round(ripenessIndex(classification.probabilities), 2),
      probabilities: Object.fromEntries(
        classes.map((name, i) => [name, round(classification.probabilities[i] ?? 0, 4)]),
      ),
    };
  });
  return {
    detections,
    summary,
    stages: classes.map((name, i) => ({ name, colour: stageColour(i, classes.length) })),
    image: { width: image.width, height: image.height },
    models: {
      detector: {
        ...result.detectorModel,
        // A detector that does not say (an older version) leaves them out.
        ...(result.minConfidence.source !== '' && {
          min_confidence: result.minConfidence.value,
          min_confidence_source: result.minConfidence.source,
        }),
      },
      classifier: result.catalogue.model,
    },
    timings_ms: roundTimings(timings, totalMs),
  };
}

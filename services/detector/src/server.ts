import { DetectorService, protobufFileName } from '../../../lib/gen/banana/v1/detector.js';
import { detectorCardOf, type DetectorCard } from '../../../lib/model-card/index.js';
import {
  modelInfoResponse,
  startModelService,
  type ModelServiceContext,
  type ModelServiceSpec,
  type PreparedModel,
  type RunningService,
} from '../../../lib/model-service/index.js';
import type { DetectorConfig } from './config.js';
import { createDetect } from './detect.js';
import { createDetectStream } from './detect-stream.js';
import { createDetectorInferenceModel } from './open-inference.js';

function createDetectorHandlers(context: ModelServiceContext<DetectorCard, DetectorConfig>) {
  const { card, config } = context;
  const detect = createDetect(context);
  const info = {
    ...modelInfoResponse(card, 'letterbox', config.maxImagePixels),
    classNames: [card.label],
    detectionDefaults: {
      minConfidence: card.thresholds.confidence,
      iouThreshold: card.thresholds.iou,
      maxDetections: card.thresholds.maxDetections,
      minConfidenceSource: card.thresholds.source,
    },
  };
  return {
    detect,
    getModelInfo: () => Promise.resolve(info),
    detectStream: createDetectStream(detect, {
      maxPending: config.streamMaxPending,
      metrics: context.metrics,
    }),
  };
}

const detectorSpec: ModelServiceSpec<DetectorCard, DetectorConfig, typeof DetectorService> = {
  kind: 'detector',
  protoFile: protobufFileName,
  definition: DetectorService,
  loadCard: detectorCardOf,
  createHandlers: createDetectorHandlers,
  openInference: createDetectorInferenceModel,
};

/** Starts the detector gRPC service and its metrics endpoint; resolves once SERVING. */
export function startDetectorService(
  config: DetectorConfig,
  prepared?: PreparedModel<DetectorCard>,
): Promise<RunningService> {
  return startModelService(config, detectorSpec, prepared);
}

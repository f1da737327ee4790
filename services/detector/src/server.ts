import { DetectorService, protobufFileName } from '../../../lib/gen/banana/v1/detector.js';
import { loadDetectorCard, type DetectorCard } from '../../../lib/model-card/index.js';
import {
  startModelService,
  type ModelServiceSpec,
  type PreparedModel,
  type RunningService,
} from '../../../lib/model-service/index.js';
import type { DetectorConfig } from './config.js';
import { createDetect } from './detect.js';

const detectorSpec: ModelServiceSpec<DetectorCard, DetectorConfig, typeof DetectorService> = {
  kind: 'detector',
  protoFile: protobufFileName,
  definition: DetectorService,
  loadCard: loadDetectorCard,
  createHandlers: (context) => ({ detect: createDetect(context) }),
};

/** Starts the detector gRPC service and its metrics endpoint; resolves once SERVING. */
export function startDetectorService(
  config: DetectorConfig,
  prepared?: PreparedModel<DetectorCard>,
): Promise<RunningService> {
  return startModelService(config, detectorSpec, prepared);
}

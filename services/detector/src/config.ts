import {
  parseModelServiceConfig,
  type Env,
  type ModelServiceConfig,
} from '../../../lib/config/index.js';

export type DetectorConfig = ModelServiceConfig;

/** Detector settings from the environment (names and defaults in docs/CONTRACT.md). */
export function parseDetectorConfig(env: Env): DetectorConfig {
  return parseModelServiceConfig(env, {
    grpcPort: 50051,
    metricsPort: 9091,
    modelPath: 'models/detector.onnx',
    modelCardPath: 'models/detector.json',
  });
}

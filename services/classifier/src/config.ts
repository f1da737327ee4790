import {
  parseModelServiceConfig,
  readInteger,
  type Env,
  type ModelServiceConfig,
} from '../../../lib/config/index.js';

export interface ClassifierConfig extends ModelServiceConfig {
  /** Most crops (or boxes) in one call. */
  maxBatch: number;
}

/** Classifier settings from the environment (names and defaults in docs/CONTRACT.md). */
export function parseClassifierConfig(env: Env): ClassifierConfig {
  return {
    ...parseModelServiceConfig(env, {
      grpcPort: 50052,
      metricsPort: 9092,
      modelPath: 'models/classifier.onnx',
      modelCardPath: 'models/classifier.json',
    }),
    maxBatch: readInteger(env, 'MAX_BATCH', 64, { min: 1, max: 4096 }),
  };
}

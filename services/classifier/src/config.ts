import {
  parseModelServiceConfig,
  type Env,
  type ModelServiceConfig,
} from '../../../lib/config/index.js';

/** The classifier's settings: the shared model-service ones (its MAX_BATCH also bounds the crops of one call). */
export type ClassifierConfig = ModelServiceConfig;

/** Classifier settings from the environment (names and defaults in docs/configuration.md). */
export function parseClassifierConfig(env: Env): ClassifierConfig {
  return parseModelServiceConfig(env, {
    grpcPort: 50052,
    metricsPort: 9092,
  });
}

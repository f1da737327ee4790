import {
  parseModelServiceConfig,
  readInteger,
  type Env,
  type ModelServiceConfig,
} from '../../../lib/config/index.js';

export interface DetectorConfig extends ModelServiceConfig {
  /**
   * DetectStream: most frames waiting per stream; when one more arrives the oldest waiting
   * frame is dropped (answered with `dropped`).
   */
  streamMaxPending: number;
}

/** Detector settings from the environment (names and defaults in docs/configuration.md). */
export function parseDetectorConfig(env: Env): DetectorConfig {
  return {
    ...parseModelServiceConfig(env, {
      grpcPort: 50051,
      metricsPort: 9091,
    }),
    streamMaxPending: readInteger(env, 'STREAM_MAX_PENDING', 4, { min: 1, max: 1024 }),
  };
}

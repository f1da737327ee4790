import type { Env, ModelServiceConfig } from '../../lib/config/index.js';
import { repoPath } from './paths.js';

/**
 * A model service's config for tests: its parser's defaults, loopback, free ports, the shipped
 * model, one inference thread, no logs; then `overrides`.
 */
export function localServiceConfig<Config extends ModelServiceConfig>(
  parse: (env: Env) => Config,
  model: 'detector' | 'classifier',
  overrides: Partial<Config> = {},
): Config {
  return {
    ...parse({}),
    host: '127.0.0.1',
    grpcPort: 0,
    metricsPort: 0,
    modelPath: repoPath(`models/${model}.onnx`),
    modelCardPath: repoPath(`models/${model}.json`),
    intraOpThreads: 1,
    logLevel: 'silent',
    ...overrides,
  };
}

import type { Env, ModelServiceConfig } from '../../lib/config/index.js';
import { repoPath } from './paths.js';

/**
 * A model service's config for tests: its parser's defaults, loopback, free ports, the shipped
 * models directory (not watched), one inference thread, no logs; then `overrides`.
 */
export function localServiceConfig<Config extends ModelServiceConfig>(
  parse: (env: Env) => Config,
  overrides: Partial<Config> = {},
): Config {
  return {
    ...parse({}),
    host: '127.0.0.1',
    grpcPort: 0,
    metricsPort: 0,
    modelDir: repoPath('models'),
    modelPollMs: 0,
    intraOpThreads: 1,
    logLevel: 'silent',
    ...overrides,
  };
}

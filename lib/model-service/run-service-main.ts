import { ConfigError, type Env } from '../config/index.js';
import { createLogger } from '../log/index.js';
import type { RunningService } from './model-service.js';

/**
 * Process entry for a service: parse the environment (exit 1 naming a bad variable),
 * start, and on SIGTERM/SIGINT shut down gracefully and exit 0. A second signal exits at once.
 */
export function runServiceMain<Config>(
  kind: string,
  parseConfig: (env: Env) => Config,
  start: (config: Config) => Promise<RunningService>,
): void {
  const logger = createLogger(kind, 'info');
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    const problem = error instanceof ConfigError ? error.message : String(error);
    logger.fatal(`invalid configuration: ${problem}`);
    process.exit(1);
  }

  const starting = start(config);
  starting.catch((error: unknown) => {
    logger.fatal({ err: error }, `failed to start: ${(error as Error).message}`);
    process.exit(1);
  });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'signal received');
    starting
      .then((service) => service.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

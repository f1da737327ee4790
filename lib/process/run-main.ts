import { type Env } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { initTracing, readTracingConfig, type TracingLogger } from '../tracing/index.js';

/** Exit status of every process whose environment is invalid (docs/configuration.md). */
export const BAD_CONFIGURATION_EXIT = 2;

/** What a process's main starts: something that can shut down gracefully. */
export interface Stoppable {
  shutdown(): Promise<void>;
}

export interface RunMainOptions<Config, Running extends Stoppable = Stoppable> {
  /** Logged as the `service` field, e.g. "detector" or "function". */
  name: string;
  /**
   * service.name of the process's traces unless OTEL_SERVICE_NAME is set, e.g.
   * "banana-detector". Tracing starts from the OTEL_* variables before `start` (a bad one is
   * a configuration error) and is flushed and stopped after the graceful shutdown.
   */
  traceServiceName: string;
  parseConfig: (env: Env) => Config;
  start: (config: Config) => Promise<Running>;
}

/**
 * What a process entry does once its configuration is read: start tracing from the OTEL_*
 * variables (service.name `traceServiceName` unless OTEL_SERVICE_NAME is set), then the
 * process; shutting it down drains it first and exports the last spans after. runMain uses
 * it, and so does the local stack for the function it runs in its own process, so that
 * tracing behaves the same under `npm start` as in production.
 */
export async function startProcess<Config, Running extends Stoppable>(
  options: Pick<RunMainOptions<Config, Running>, 'traceServiceName' | 'start'>,
  config: Config,
  env: Env,
  logger?: TracingLogger,
): Promise<Running> {
  const tracing = await initTracing(options.traceServiceName, env, logger);
  let running: Running;
  try {
    running = await options.start(config);
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
  return {
    ...running,
    async shutdown() {
      try {
        await running.shutdown();
      } finally {
        // After draining: the spans of the last requests are exported too.
        await tracing.shutdown();
      }
    },
  };
}

/**
 * Process entry: parse the environment, OTEL_* included (exit 2,
 * naming the bad variable), start tracing then the process (exit 1 when that fails), and on
 * SIGTERM/SIGINT shut down gracefully, export the last spans and exit 0 (1 when the
 * shutdown fails). A second signal exits 1 at once, without draining.
 */
export function runMain<Config, Running extends Stoppable>(
  options: RunMainOptions<Config, Running>,
): void {
  const logger = createLogger(options.name, 'info');
  let config: Config;
  try {
    config = options.parseConfig(process.env);
    readTracingConfig(process.env, options.traceServiceName);
  } catch (error) {
    logger.fatal(`bad configuration: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(BAD_CONFIGURATION_EXIT);
  }

  const starting = startProcess(options, config, process.env, logger);
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
      .then((running) => running.shutdown())
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

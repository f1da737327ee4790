import type { Env } from '../config/index.js';
import { runMain } from '../process/run-main.js';
import type { RunningService } from './model-service.js';

/**
 * Process entry for a service (lib/process/run-main.ts): exit 2 naming a bad variable,
 * traces as service.name `banana-<kind>`, SIGTERM/SIGINT shut down gracefully and exit 0,
 * a second signal exits at once.
 */
export function runServiceMain<Config>(
  kind: string,
  parseConfig: (env: Env) => Config,
  start: (config: Config) => Promise<RunningService>,
): void {
  runMain({ name: kind, traceServiceName: `banana-${kind}`, parseConfig, start });
}

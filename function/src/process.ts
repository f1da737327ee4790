/**
 * The function as a process: its name, the service.name of its traces, how its environment is
 * read and what it starts. `main.ts` runs it (of-watchdog's fprocess, the containers), and the
 * local stack starts it in its own process through lib/process startProcess, so tracing,
 * metrics and shutdown behave the same under `npm start` as in production.
 */
import type { RunMainOptions, Stoppable } from '../../lib/process/run-main.js';
import { parseFunctionConfig, type FunctionConfig } from './config.js';
import { startFunctionServer, type FunctionServer } from './server.js';

export interface RunningFunction extends Stoppable {
  server: FunctionServer;
}

export const FUNCTION_PROCESS: RunMainOptions<FunctionConfig, RunningFunction> = {
  name: 'function',
  traceServiceName: 'banana-function',
  parseConfig: parseFunctionConfig,
  start: async (config) => {
    const server = await startFunctionServer(config);
    return { server, shutdown: () => server.close() };
  },
};

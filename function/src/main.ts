/**
 * Entry point of the function (of-watchdog's fprocess): reads the environment (exit 2
 * naming a bad variable), serves HTTP on PORT / http_port, and on SIGTERM/SIGINT stops
 * accepting, finishes in-flight requests and exits 0 (lib/process/run-main.ts).
 */
import sharp from 'sharp';
import { createLogger } from '../../lib/log/index.js';
import { runMain } from '../../lib/process/run-main.js';
import { FUNCTION_PROCESS } from './process.js';

// libvips' operation cache (up to 50 MB by default) never hits: every photo is different.
sharp.cache(false);

const logger = createLogger('function', 'info');
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled promise rejection');
});
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});

runMain(FUNCTION_PROCESS);

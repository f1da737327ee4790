/**
 * Entry point of the function (of-watchdog's fprocess): reads the environment, serves HTTP
 * on PORT, and on SIGTERM/SIGINT stops accepting, finishes in-flight requests and exits 0.
 */
import sharp from 'sharp';
import { ConfigError } from '../../lib/config/index.js';
import { createLogger } from '../../lib/log/index.js';
import { parseFunctionConfig, type FunctionConfig } from './config.js';
import { startFunctionServer } from './server.js';

function readConfig(): FunctionConfig {
  try {
    return parseFunctionConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(JSON.stringify({ level: 'fatal', msg: `bad configuration: ${error.message}` }));
      process.exit(2);
    }
    throw error;
  }
}

// libvips' operation cache (up to 50 MB by default) never hits: every photo is different.
sharp.cache(false);

const config = readConfig();
const logger = createLogger('function', config.logLevel);

process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled promise rejection');
});
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});

const server = await startFunctionServer(config, { logger });

let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

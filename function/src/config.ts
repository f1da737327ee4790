import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  FUNCTION_KEY_MAX_IN_FLIGHT,
  DEFAULT_MAX_IMAGE_PIXELS,
  LOG_LEVELS,
  parseApiKeysFile,
  parseKeyLimits,
  parseClientApiKey,
  parseClientTls,
  readBoolean,
  readEnum,
  readInteger,
  readPort,
  readString,
  type ClientTlsConfig,
  type Env,
  type LogLevel,
} from '../../lib/config/index.js';
import { findUp } from '../../lib/config/find-up.js';
import { DEFAULT_KEEPALIVE } from '../../lib/client/channel-options.js';
import type { KeyLimitSettings } from '../../lib/auth/key-limits.js';

/** Settings of the function (names and defaults in docs/configuration.md). */
export interface FunctionConfig {
  host: string;
  /** HTTP port (PORT, or OpenFaaS's http_port); 3000 is the of-watchdog upstream. 0 picks a free port. */
  port: number;
  /** Comma-separated `host:port` list (round-robin) or one `dns:///name:port` target. */
  detectorAddress: string;
  classifierAddress: string;
  detectDeadlineMs: number;
  classifyDeadlineMs: number;
  /**
   * Most crops per Classify call, when set; otherwise the classifier's max_batch
   * (GetModelInfo), which also bounds a value set here.
   */
  classifyBatchSize?: number | undefined;
  maxBodyBytes: number;
  maxImagePixels: number;
  /** Pixels of photos processed at once; more requests wait (memory bound, see pixel-budget.ts). */
  maxInflightPixels: number;
  /** Photos that may wait for the pixel budget; one more is refused with 429 (load shedding). */
  maxWaiting: number;
  /** Longest wait for the pixel budget before a photo is refused with 429. */
  maxQueueWaitMs: number;
  /** Serve the web tester at GET /. */
  serveWeb: boolean;
  /** Folder holding index.html, app.js and style.css. */
  webRoot: string;
  /**
   * Models the page's device mode runs in the browser (MODEL_DIR, the services' layout): the
   * repository's models/ by default, /app/models in the image.
   */
  modelDir: string;
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  shutdownGraceMs: number;
  logLevel: LogLevel;
  /** Keys callers of POST / must send (API_KEYS_FILE); unset: none needed. */
  apiKeysFile?: string | undefined;
  /** Per-key limits on POST /, with API keys (KEY_MAX_IN_FLIGHT, KEY_RATE_PER_S, KEY_BURST). */
  keyLimits: KeyLimitSettings;
  /** Keepalive pings to the model services (GRPC_KEEPALIVE_TIME_MS, GRPC_KEEPALIVE_TIMEOUT_MS). */
  grpcKeepalive: { timeMs: number; timeoutMs: number };
  /** TLS to the model services (GRPC_TLS, GRPC_TLS_*); unset: plaintext. */
  grpcTls?: ClientTlsConfig | undefined;
  /** Key sent to the model services (GRPC_API_KEY), when they require one. */
  grpcApiKey?: string | undefined;
}

const MAX_INT32 = 2 ** 31 - 1;

/**
 * A folder of the repository (or of the image), found upwards from this module by a file it
 * holds, both under tsx (function/src) and built (dist/function/src).
 */
function locate(folder: string, marker: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return findUp(here, folder, marker) ?? join(process.cwd(), folder);
}

export const DEFAULT_WEB_ROOT = locate('web', 'index.html');

export const DEFAULT_FUNCTION_CONFIG: Readonly<FunctionConfig> = {
  host: '0.0.0.0',
  port: 3000,
  detectorAddress: '127.0.0.1:50051',
  classifierAddress: '127.0.0.1:50052',
  detectDeadlineMs: 10_000,
  classifyDeadlineMs: 10_000,
  classifyBatchSize: undefined,
  maxBodyBytes: 20_971_520,
  maxImagePixels: DEFAULT_MAX_IMAGE_PIXELS,
  maxInflightPixels: 12_000_000,
  maxWaiting: 16,
  maxQueueWaitMs: 1500,
  serveWeb: true,
  webRoot: DEFAULT_WEB_ROOT,
  modelDir: locate('models', 'detector.json'),
  shutdownGraceMs: 25_000,
  logLevel: 'info',
  apiKeysFile: undefined,
  keyLimits: { maxInFlight: FUNCTION_KEY_MAX_IN_FLIGHT, ratePerSecond: 0, burst: 1, exempt: [] },
  grpcKeepalive: { ...DEFAULT_KEEPALIVE },
  grpcTls: undefined,
  grpcApiKey: undefined,
};

/**
 * The HTTP port from PORT or from `http_port` (what the OpenFaaS Node templates read); both
 * may be set only to the same value.
 */
function readHttpPort(env: Env, fallback: number): number {
  const port = readPort(env, 'PORT', fallback);
  const httpPort = readPort(env, 'http_port', port);
  const isSet = (name: string): boolean => (env[name]?.trim() ?? '') !== '';
  if (isSet('PORT') && isSet('http_port') && port !== httpPort) {
    throw new ConfigError('http_port', `is ${httpPort} but PORT is ${port}; set one of them`);
  }
  return httpPort;
}

/** Reads the function's environment; throws a ConfigError naming the first bad variable. */
export function parseFunctionConfig(env: Env): FunctionConfig {
  const d = DEFAULT_FUNCTION_CONFIG;
  return {
    host: readString(env, 'HOST', d.host),
    port: readHttpPort(env, d.port),
    detectorAddress: readString(env, 'DETECTOR_ADDR', d.detectorAddress),
    classifierAddress: readString(env, 'CLASSIFIER_ADDR', d.classifierAddress),
    detectDeadlineMs: readInteger(env, 'DETECT_DEADLINE_MS', d.detectDeadlineMs, {
      min: 1,
      max: MAX_INT32,
    }),
    classifyDeadlineMs: readInteger(env, 'CLASSIFY_DEADLINE_MS', d.classifyDeadlineMs, {
      min: 1,
      max: MAX_INT32,
    }),
    classifyBatchSize:
      env.CLASSIFY_BATCH_SIZE === undefined || env.CLASSIFY_BATCH_SIZE === ''
        ? undefined
        : readInteger(env, 'CLASSIFY_BATCH_SIZE', 1, { min: 1, max: 4096 }),
    maxBodyBytes: readInteger(env, 'MAX_BODY_BYTES', d.maxBodyBytes, { min: 1024, max: MAX_INT32 }),
    maxImagePixels: readInteger(env, 'MAX_IMAGE_PIXELS', d.maxImagePixels, {
      min: 1,
      max: MAX_INT32,
    }),
    maxInflightPixels: readInteger(env, 'MAX_INFLIGHT_PIXELS', d.maxInflightPixels, {
      min: 1,
      max: MAX_INT32,
    }),
    maxWaiting: readInteger(env, 'MAX_WAITING', d.maxWaiting, { min: 0, max: 100_000 }),
    maxQueueWaitMs: readInteger(env, 'MAX_QUEUE_WAIT_MS', d.maxQueueWaitMs, {
      min: 1,
      max: MAX_INT32,
    }),
    serveWeb: readBoolean(env, 'SERVE_WEB', d.serveWeb),
    webRoot: readString(env, 'WEB_ROOT', d.webRoot),
    modelDir: readString(env, 'MODEL_DIR', d.modelDir),
    shutdownGraceMs: readInteger(env, 'SHUTDOWN_GRACE_MS', d.shutdownGraceMs, {
      min: 0,
      max: MAX_INT32,
    }),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, d.logLevel),
    apiKeysFile: parseApiKeysFile(env),
    keyLimits: parseKeyLimits(env, FUNCTION_KEY_MAX_IN_FLIGHT),
    grpcKeepalive: {
      timeMs: readInteger(env, 'GRPC_KEEPALIVE_TIME_MS', d.grpcKeepalive.timeMs, {
        min: 100,
        max: MAX_INT32,
      }),
      timeoutMs: readInteger(env, 'GRPC_KEEPALIVE_TIMEOUT_MS', d.grpcKeepalive.timeoutMs, {
        min: 100,
        max: MAX_INT32,
      }),
    },
    grpcTls: parseClientTls(env),
    grpcApiKey: parseClientApiKey(env),
  };
}

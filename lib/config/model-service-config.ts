import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { ConfigError } from './config-error.js';
import { readEnum, readInteger, readPort, readString, type Env } from './env.js';
import { DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_MESSAGE_BYTES } from './limits.js';
import type { KeyLimitSettings } from '../auth/key-limits.js';
import {
  parseApiKeysFile,
  parseKeyLimits,
  parseServerTls,
  type ServerTlsConfig,
} from './security-config.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings shared by the detector and classifier services (names and defaults in docs/configuration.md). */
export interface ModelServiceConfig {
  /** Interface both servers bind to. */
  host: string;
  grpcPort: number;
  /**
   * Also serve gRPC on this Unix domain socket (GRPC_SOCKET, an absolute path), for a caller
   * on the same host: a 1.2 MB Detect request costs a third of its loopback TCP cost.
   * Plaintext (it never leaves the host; the file's 0660 mode decides who may connect); API
   * keys are checked as on the TCP port. Unset: TCP only.
   */
  grpcSocket?: string | undefined;
  metricsPort: number;
  /**
   * The models directory (MODEL_DIR, lib/model-card/model-dir.ts): the base model, version
   * folders and threshold overlays.
   */
  modelDir: string;
  /**
   * How often the models directory is checked for a new version or overlay (MODEL_POLL_MS);
   * one found is loaded and warmed beside the served one, then swapped in. 0: never.
   */
  modelPollMs: number;
  intraOpThreads: number;
  inferenceWorkers: number;
  /** Inference jobs allowed to wait for a busy worker; more are refused. */
  maxQueue: number;
  // Cross-request batching (lib/inference): requests waiting together share one model call.
  /** Most images in one model call (MAX_BATCH); for the classifier also the most crops per request. */
  maxBatch: number;
  /** How long a request that finds the model idle waits for batch-mates (MAX_BATCH_DELAY_MS); 0: none. */
  maxBatchDelayMs: number;
  maxMessageBytes: number;
  maxImagePixels: number;
  maxConnectionAgeMs: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
  /**
   * Decode admission: most source pixels (width * height from the image headers) being
   * decoded at once (MAX_INFLIGHT_PIXELS). Requests beyond it wait, at most MAX_QUEUE of them;
   * one image above it alone is refused. See DEFAULT_SERVICE_INFLIGHT_PIXELS.
   */
  maxInflightPixels: number;
  /** TLS of the gRPC port (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE); unset: plaintext. */
  tls?: ServerTlsConfig | undefined;
  /** File of the API keys every call must carry (API_KEYS_FILE); unset: no key needed. */
  apiKeysFile?: string | undefined;
  /** Per-key limits, with API keys (KEY_MAX_IN_FLIGHT, KEY_RATE_PER_S, KEY_BURST). */
  keyLimits: KeyLimitSettings;
}

export interface ModelServiceDefaults {
  grpcPort: number;
  metricsPort: number;
}

const MAX_INT32 = 2 ** 31 - 1;

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** An absolute path for a Unix domain socket, or undefined when the variable is unset. */
export function readSocketPath(env: Env, name: string): string | undefined {
  const path = readString(env, name, '');
  if (path === '') return undefined;
  if (!isAbsolute(path)) throw new ConfigError(name, `must be an absolute path, got ${path}`);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError(
      name,
      `is ${bytes} bytes long; a Unix socket path takes at most ${MAX_SOCKET_PATH_BYTES}`,
    );
  }
  return path;
}

/** Cross-request batching settings: MAX_BATCH images per model call, MAX_BATCH_DELAY_MS wait. */
function parseBatching(env: Env): Pick<ModelServiceConfig, 'maxBatch' | 'maxBatchDelayMs'> {
  return {
    maxBatch: readInteger(env, 'MAX_BATCH', 64, { min: 1, max: 4096 }),
    maxBatchDelayMs: readInteger(env, 'MAX_BATCH_DELAY_MS', 0, { min: 0, max: 1000 }),
  };
}

/**
 * Default decode budget of a model service (MAX_INFLIGHT_PIXELS), derived from the 384Mi memory
 * limit of the detector and classifier pods in k8s/base: the memory the limit leaves beside the
 * steady process (runtime, model, libvips), divided by what a decode holds per source pixel
 * (the derivation and its measurements are in docs/grpc.md). It is above the 50 M pixel image
 * limit (MAX_IMAGE_PIXELS), so every image the services accept can be served, the largest
 * ones one at a time. Scale it with the pod's memory limit.
 */
export const DEFAULT_SERVICE_INFLIGHT_PIXELS = 64_000_000;

export function parseModelServiceConfig(
  env: Env,
  defaults: ModelServiceDefaults,
): ModelServiceConfig {
  return {
    host: readString(env, 'HOST', '0.0.0.0'),
    grpcPort: readPort(env, 'GRPC_PORT', defaults.grpcPort),
    grpcSocket: readSocketPath(env, 'GRPC_SOCKET'),
    metricsPort: readPort(env, 'METRICS_PORT', defaults.metricsPort),
    modelDir: readString(env, 'MODEL_DIR', 'models'),
    modelPollMs: readInteger(env, 'MODEL_POLL_MS', 5000, { min: 0, max: MAX_INT32 }),
    intraOpThreads: readInteger(env, 'INTRA_OP_THREADS', availableParallelism(), {
      min: 1,
      max: 256,
    }),
    inferenceWorkers: readInteger(env, 'INFERENCE_WORKERS', 1, { min: 1, max: 64 }),
    maxQueue: readInteger(env, 'MAX_QUEUE', 16, { min: 0, max: 100_000 }),
    ...parseBatching(env),
    maxMessageBytes: readInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES, {
      min: 1024,
      max: MAX_INT32,
    }),
    maxImagePixels: readInteger(env, 'MAX_IMAGE_PIXELS', DEFAULT_MAX_IMAGE_PIXELS, {
      min: 1,
      max: MAX_INT32,
    }),
    maxConnectionAgeMs: readInteger(env, 'MAX_CONNECTION_AGE_MS', 300_000, {
      min: 1000,
      max: MAX_INT32,
    }),
    shutdownGraceMs: readInteger(env, 'SHUTDOWN_GRACE_MS', 10_000, { min: 0, max: MAX_INT32 }),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    maxInflightPixels: readInteger(env, 'MAX_INFLIGHT_PIXELS', DEFAULT_SERVICE_INFLIGHT_PIXELS, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
    }),
    tls: parseServerTls(env),
    apiKeysFile: parseApiKeysFile(env),
    keyLimits: parseKeyLimits(env, 0),
  };
}

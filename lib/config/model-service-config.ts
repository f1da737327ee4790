import { availableParallelism } from 'node:os';
import { readEnum, readInteger, readPort, readString, type Env } from './env.js';
import { DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_MESSAGE_BYTES } from './limits.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings shared by the detector and classifier services (names in docs/CONTRACT.md). */
export interface ModelServiceConfig {
  /** Interface both servers bind to. */
  host: string;
  grpcPort: number;
  metricsPort: number;
  modelPath: string;
  modelCardPath: string;
  intraOpThreads: number;
  inferenceWorkers: number;
  /** Inference jobs allowed to wait for a busy worker; more are refused. */
  maxQueue: number;
  maxMessageBytes: number;
  maxImagePixels: number;
  maxConnectionAgeMs: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
}

export interface ModelServiceDefaults {
  grpcPort: number;
  metricsPort: number;
  modelPath: string;
  modelCardPath: string;
}

const MAX_INT32 = 2 ** 31 - 1;

export function parseModelServiceConfig(
  env: Env,
  defaults: ModelServiceDefaults,
): ModelServiceConfig {
  return {
    host: readString(env, 'HOST', '0.0.0.0'),
    grpcPort: readPort(env, 'GRPC_PORT', defaults.grpcPort),
    metricsPort: readPort(env, 'METRICS_PORT', defaults.metricsPort),
    modelPath: readString(env, 'MODEL_PATH', defaults.modelPath),
    modelCardPath: readString(env, 'MODEL_CARD_PATH', defaults.modelCardPath),
    intraOpThreads: readInteger(env, 'INTRA_OP_THREADS', availableParallelism(), {
      min: 1,
      max: 256,
    }),
    inferenceWorkers: readInteger(env, 'INFERENCE_WORKERS', 1, { min: 1, max: 64 }),
    maxQueue: readInteger(env, 'MAX_QUEUE', 16, { min: 0, max: 100_000 }),
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
  };
}

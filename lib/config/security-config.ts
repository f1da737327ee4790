import { accessSync, constants, readFileSync } from 'node:fs';
import { parseApiKeys } from '../auth/api-keys.js';
import type { KeyLimitSettings } from '../auth/key-limits.js';
import { ConfigError } from './config-error.js';
import { readBoolean, readInteger, readString, type Env } from './env.js';

/** TLS of a gRPC server (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE). */
export interface ServerTlsConfig {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA (mutual TLS). */
  clientCaFile?: string | undefined;
}

/** TLS of the gRPC clients (GRPC_TLS, GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_SERVER_NAME). */
export interface ClientTlsConfig {
  /** CA bundle the servers' certificates must chain to; unset: the system's roots. */
  caFile?: string | undefined;
  /** Client certificate and key, for servers that require mutual TLS. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** Name the servers' certificates are checked against, instead of the target's host. */
  serverName?: string | undefined;
}

function optional(env: Env, name: string): string | undefined {
  const value = readString(env, name, '');
  return value === '' ? undefined : value;
}

/** A set variable naming a file this process can read. */
function readableFile(env: Env, name: string): string | undefined {
  const path = optional(env, name);
  if (path === undefined) return undefined;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(name, `names ${path}, which cannot be read`);
  }
  return path;
}

function pairOf(env: Env, certName: string, keyName: string) {
  const certFile = readableFile(env, certName);
  const keyFile = readableFile(env, keyName);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      certFile === undefined ? certName : keyName,
      `must be set together with ${certFile === undefined ? keyName : certName}`,
    );
  }
  return { certFile, keyFile };
}

/** TLS_CERT_FILE + TLS_KEY_FILE turn TLS on; TLS_CLIENT_CA_FILE also requires client certificates. */
export function parseServerTls(env: Env): ServerTlsConfig | undefined {
  const { certFile, keyFile } = pairOf(env, 'TLS_CERT_FILE', 'TLS_KEY_FILE');
  const clientCaFile = readableFile(env, 'TLS_CLIENT_CA_FILE');
  if (certFile === undefined || keyFile === undefined) {
    if (clientCaFile !== undefined)
      throw new ConfigError('TLS_CLIENT_CA_FILE', 'needs TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  return { certFile, keyFile, clientCaFile };
}

/**
 * API_KEYS_FILE: the keys callers must send (`authorization: Bearer <key>`); unset: none needed.
 * Its contents are checked here, so that a bad key stops the process with one line naming the
 * file and the line, not a failed start.
 */
export function parseApiKeysFile(env: Env): string | undefined {
  const path = readableFile(env, 'API_KEYS_FILE');
  if (path === undefined) return undefined;
  try {
    parseApiKeys(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('API_KEYS_FILE', `${path}: ${(error as Error).message}`);
  }
  return path;
}

/**
 * TLS of the clients: on when GRPC_TLS is true or GRPC_TLS_CA_FILE / GRPC_TLS_CERT_FILE is
 * set; GRPC_TLS=false with any of them set is a contradiction.
 */
export function parseClientTls(env: Env): ClientTlsConfig | undefined {
  const caFile = readableFile(env, 'GRPC_TLS_CA_FILE');
  const { certFile, keyFile } = pairOf(env, 'GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE');
  const serverName = optional(env, 'GRPC_TLS_SERVER_NAME');
  const anySet = [caFile, certFile, serverName].some((value) => value !== undefined);
  const tls = readBoolean(env, 'GRPC_TLS', anySet);
  if (!tls && anySet)
    throw new ConfigError('GRPC_TLS', 'is false but GRPC_TLS_* files or name are set');
  return tls ? { caFile, certFile, keyFile, serverName } : undefined;
}

/**
 * The key the clients send to the model services: GRPC_API_KEY, or the first line of the file
 * GRPC_API_KEY_FILE (e.g. an OpenFaaS secret under /var/openfaas/secrets), read at start.
 */
export function parseClientApiKey(env: Env): string | undefined {
  const key = optional(env, 'GRPC_API_KEY');
  const file = readableFile(env, 'GRPC_API_KEY_FILE');
  if (key !== undefined && file !== undefined)
    throw new ConfigError('GRPC_API_KEY_FILE', 'set GRPC_API_KEY or GRPC_API_KEY_FILE, not both');
  if (file === undefined) return key;
  const fromFile = readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim() ?? '';
  if (fromFile === '') throw new ConfigError('GRPC_API_KEY_FILE', `${file} holds no key`);
  return fromFile;
}

/**
 * The function's default KEY_MAX_IN_FLIGHT: one caller never fills its queue (MAX_WAITING 16)
 * alone. The model services default to none: their usual caller is the function, whose one
 * key carries every user's photos; set it there when several direct callers share a service,
 * and exempt the function's key (KEY_LIMITS_EXEMPT).
 */
export const FUNCTION_KEY_MAX_IN_FLIGHT = 8;

/**
 * Per-API-key limits (with API_KEYS_FILE): KEY_MAX_IN_FLIGHT requests of one key at once
 * (0 = none), KEY_RATE_PER_S requests per second (default 0 = none) in bursts of KEY_BURST
 * (default twice the rate, at least 1); KEY_LIMITS_EXEMPT names keys (comma-separated) that
 * no per-key limit applies to.
 */
export function parseKeyLimits(env: Env, defaultMaxInFlight: number): KeyLimitSettings {
  const maxInFlight = readInteger(env, 'KEY_MAX_IN_FLIGHT', defaultMaxInFlight, {
    min: 0,
    max: 100_000,
  });
  const ratePerSecond = readInteger(env, 'KEY_RATE_PER_S', 0, { min: 0, max: 100_000 });
  const burst = readInteger(env, 'KEY_BURST', Math.max(1, 2 * ratePerSecond), {
    min: 1,
    max: 1_000_000,
  });
  const exempt = readString(env, 'KEY_LIMITS_EXEMPT', '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return { maxInFlight, ratePerSecond, burst, exempt };
}

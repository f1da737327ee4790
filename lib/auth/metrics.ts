import { Counter, Gauge, type Registry } from 'prom-client';
import { loadApiKeyStore, type ApiKeyStore, type AuthResult } from './api-keys.js';
import { createKeyLimits, type KeyLimits, type KeyLimitSettings } from './key-limits.js';

/**
 * `banana_api_key_requests_total{key_name, outcome}`: requests that needed a key, by the
 * name of the key (never the key) and outcome ok, missing or invalid (key_name "" then).
 */
export function createApiKeyMetrics(registry: Registry): (result: AuthResult) => void {
  const counter = new Counter({
    name: 'banana_api_key_requests_total',
    help: 'Requests that needed an API key, by key name (never the key) and outcome (ok, missing, invalid)',
    labelNames: ['key_name', 'outcome'] as const,
    registers: [registry],
  });
  return (result) => {
    counter.inc({ key_name: result.ok ? result.name : '', outcome: result.outcome });
  };
}

/** Where a process's key store reports its reloads (a pino logger fits). */
export interface KeyStoreLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A process's API_KEYS_FILE as every process loads it: checks counted by key name in
 * `registry`, reloads logged, a changed file that is not valid logged and the previous keys
 * kept.
 */
export function loadProcessApiKeys(
  path: string,
  options: { registry: Registry; logger: KeyStoreLogger; reloadIntervalMs?: number },
): ApiKeyStore {
  const { logger } = options;
  return loadApiKeyStore(path, {
    reloadIntervalMs: options.reloadIntervalMs,
    onCheck: createApiKeyMetrics(options.registry),
    onReload: (names) => {
      logger.info({ keys: names }, 'API keys reloaded');
    },
    onReloadError: (error) => {
      logger.error({ err: error }, 'API key file changed but is not valid: kept the previous keys');
    },
  });
}

/**
 * A process's per-key limits, counted by key name in `registry`:
 * `banana_api_key_limited_total{key_name, limit}` (refusals, limit in_flight or rate) and
 * `banana_api_key_in_flight{key_name}`.
 */
export function createProcessKeyLimits(settings: KeyLimitSettings, registry: Registry): KeyLimits {
  const limited = new Counter({
    name: 'banana_api_key_limited_total',
    help: 'Requests refused by a per-key limit, by key name and limit (in_flight, rate)',
    labelNames: ['key_name', 'limit'] as const,
    registers: [registry],
  });
  const limits = createKeyLimits(settings, {
    onRefused: (name, limit) => {
      limited.inc({ key_name: name, limit });
    },
  });
  new Gauge({
    name: 'banana_api_key_in_flight',
    help: 'Requests in flight, by API key name',
    labelNames: ['key_name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, count] of limits.inFlight()) this.set({ key_name: name }, count);
    },
  });
  return limits;
}

import { Counter, type Registry } from 'prom-client';
import type { AuthResult } from './api-keys.js';

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

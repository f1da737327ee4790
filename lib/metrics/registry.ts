import { collectDefaultMetrics, Registry } from 'prom-client';

/** A dedicated registry (never prom-client's global one) with process/Node.js metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

import { Registry, collectDefaultMetrics } from 'prom-client';

/** A dedicated registry with the default process/Node metrics. */
export function createFunctionRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

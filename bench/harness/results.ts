import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';
import { FUNCTION_ENV, SERVICE_ENV } from '../../scripts/lib/production-env.js';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes bench/results/<name>.json: the machine, the settings and the measurements. */
export function writeResult(name: string, settings: object, results: object): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${name}.json`;
  const document = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    /** Environment of every compiled (dist/) child process, from the Dockerfiles. */
    productionEnv: { services: SERVICE_ENV, function: FUNCTION_ENV },
    settings,
    results,
  };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

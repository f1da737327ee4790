import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { findUp } from '../config/find-up.js';

const MARKER = join('banana', 'v1', 'common.proto');

/**
 * The repository's proto/ folder, found by walking up from this module, so it is found
 * both from lib/ (tsx) and from dist/lib/ (compiled; the image must ship proto/).
 */
export function findProtoDir(start = dirname(fileURLToPath(import.meta.url))): string {
  const found = findUp(start, 'proto', MARKER);
  if (found === undefined) throw new Error(`no proto/${MARKER} above ${start}`);
  return found;
}

/** grpc-health-check's copy of grpc/health/v1/health.proto: include dir and file name. */
export const HEALTH_PROTO = {
  includeDir: dirname(dirname(dirname(healthProtoPath))),
  file: join('health', 'v1', 'health.proto'),
};

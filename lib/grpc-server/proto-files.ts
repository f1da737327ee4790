import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const MARKER = join('banana', 'v1', 'common.proto');

/**
 * The repository's proto/ folder, found by walking up from this module, so it is found
 * both from lib/ (tsx) and from dist/lib/ (compiled; the image must ship proto/).
 */
export function findProtoDir(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, MARKER))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no proto/${MARKER} above ${start}`);
  }
}

/** grpc-health-check's copy of grpc/health/v1/health.proto: include dir and file name. */
export const HEALTH_PROTO = {
  includeDir: dirname(dirname(dirname(healthProtoPath))),
  file: join('health', 'v1', 'health.proto'),
};

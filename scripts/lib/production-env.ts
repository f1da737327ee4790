/**
 * The runtime tuning the container images set (NODE_ENV, glibc malloc, libuv), read from the
 * Dockerfiles themselves so that the benchmarks run every process as it runs in production.
 */
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './repo-root.js';
import { envOf, IMAGES, parseDockerfile, type ImageName } from './dockerfile.js';

const RUNTIME_TUNING = /^(NODE_ENV|NODE_OPTIONS|MALLOC_\w+|UV_THREADPOOL_SIZE)$/;

export function productionEnv(component: ImageName): Record<string, string> {
  const { path, buildArgs } = IMAGES[component];
  const dockerfile = parseDockerfile(readFileSync(`${REPO_ROOT}${path}`, 'utf8'), buildArgs);
  return Object.fromEntries(
    Object.entries(envOf(dockerfile.final)).filter(([name]) => RUNTIME_TUNING.test(name)),
  );
}

/** The model services' tuning (one Dockerfile for both). */
export const SERVICE_ENV = productionEnv('detector');
export const FUNCTION_ENV = productionEnv('function');

/** The environment the container images set (Dockerfiles): every spawned process gets it. */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  MALLOC_ARENA_MAX: '2',
};

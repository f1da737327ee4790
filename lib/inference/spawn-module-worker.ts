import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running an ES module. A .ts module (development and tests,
 * under tsx) gets tsx's loader registered first: Node 20 workers do not inherit the
 * loader hooks of the parent thread. Compiled .js modules start directly.
 */
export function spawnModuleWorker(moduleUrl: URL, options: WorkerOptions): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => {
    register();
    return import(${JSON.stringify(moduleUrl.href)});
  });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

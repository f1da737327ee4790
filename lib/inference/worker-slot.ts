import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { InferenceError } from './errors.js';
import type { Job } from './job-queue.js';
import type { WorkerReply, WorkerSetup } from './messages.js';
import { spawnModuleWorker } from './spawn-module-worker.js';

/** One inference worker thread and the model call it is running, if any. */
export interface Slot {
  worker: Worker;
  /** Loaded and warmed up: may take jobs. */
  ready: boolean;
  current?: { id: number; jobs: Job[]; dispatchedAt: number };
}

// Same extension as this module: .ts under tsx, .js in dist/.
const WORKER_URL = new URL(
  `./onnx-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/** Starts a worker thread that loads the model session (lib/inference/onnx-worker.ts). */
export function spawnSlot(setup: WorkerSetup): Slot {
  return { worker: spawnModuleWorker(WORKER_URL, { workerData: setup }), ready: false };
}

/** Resolves when the worker reports its session loaded; rejects if it fails first. */
export function sessionLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.type !== 'ready') return;
      stopListening();
      resolve();
    };
    const onError = (error: Error) => {
      stopListening();
      reject(error);
    };
    const onExit = (code: number) => {
      stopListening();
      reject(new InferenceError(`inference worker exited with code ${code} while starting`));
    };
    const stopListening = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

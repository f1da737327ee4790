import type { ModelServiceConfig } from '../config/index.js';
import { startInferencePool, type InferencePool } from '../inference/index.js';
import type { ModelDescription } from './model-service.js';

/**
 * Starts the model's inference workers (session load and warm-up in worker threads). Light
 * imports only: a service's main starts this first, so the model loads while the gRPC,
 * metrics and image modules are still loading on the main thread.
 */
export function startModelPool(
  config: ModelServiceConfig,
  model: ModelDescription,
  onWorkerError: (error: Error) => void,
): Promise<InferencePool> {
  return startInferencePool({
    modelPath: config.modelPath,
    inputName: model.inputName,
    outputName: model.outputName,
    intraOpThreads: config.intraOpThreads,
    workers: config.inferenceWorkers,
    maxQueue: config.maxQueue,
    warmUpInput: model.warmUpInput,
    imageInput: model.imageInput,
    onWorkerError,
  });
}

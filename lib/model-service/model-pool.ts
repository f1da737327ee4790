import type { ModelServiceConfig } from '../config/index.js';
import { startInferencePool, type InferencePool } from '../inference/index.js';
import { createLogger } from '../log/index.js';
import { describeImageModel, type ImageModelCard } from './describe-model.js';
import type { ModelDescription, PreparedModel } from './types.js';

/**
 * A service's first step: load its card and start the inference workers, whose failures are
 * logged. A main calls this before importing the server modules; startModelService calls it
 * when given nothing prepared.
 */
export async function prepareModel<Card extends ImageModelCard>(
  kind: string,
  config: ModelServiceConfig,
  loadCard: (path: string) => Promise<Card>,
): Promise<PreparedModel<Card>> {
  const logger = createLogger(kind, config.logLevel);
  const card = await loadCard(config.modelCardPath);
  const model = describeImageModel(card);
  const pool = startModelPool(config, model, (error) => {
    logger.error({ err: error }, 'inference worker failed');
  });
  pool.catch(() => undefined); // awaited by the service; no unhandled rejection meanwhile
  return { card, model, pool };
}

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
    maxBatch: config.maxBatch,
    maxBatchDelayMs: config.maxBatchDelayMs,
    warmUpInput: model.warmUpInput,
    imageInput: model.imageInput,
    onWorkerError,
  });
}

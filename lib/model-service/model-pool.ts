import type { ModelServiceConfig } from '../config/index.js';
import { startInferencePool, type InferencePool } from '../inference/index.js';
import { createLogger } from '../log/index.js';
import { findModelFiles, type ModelFiles } from '../model-card/index.js';
import { describeImageModel, type ImageModelCard } from './describe-model.js';
import type { ModelDescription, PreparedModel } from './types.js';

/**
 * A service's first step: find its model in MODEL_DIR, load its card and start the inference
 * workers, whose failures are logged. A main calls this before importing the server modules;
 * startModelService calls it when given nothing prepared, and again for each new version.
 */
export async function prepareModel<Card extends ImageModelCard>(
  kind: string,
  config: ModelServiceConfig,
  loadCard: (files: ModelFiles) => Promise<Card>,
  found?: ModelFiles,
): Promise<PreparedModel<Card>> {
  const logger = createLogger(kind, config.logLevel);
  const files = found ?? (await findModelFiles(config.modelDir, kind));
  const card = await loadCard(files);
  const model = describeImageModel(card);
  const pool = startModelPool(config, model, files.modelPath, (error) => {
    logger.error({ err: error }, 'inference worker failed');
  });
  pool.catch(() => undefined); // awaited by the service; no unhandled rejection meanwhile
  return { card, model, pool, files };
}

/**
 * Starts the model's inference workers (session load and warm-up in worker threads). Light
 * imports only: a service's main starts this first, so the model loads while the gRPC,
 * metrics and image modules are still loading on the main thread.
 */
export function startModelPool(
  config: ModelServiceConfig,
  model: ModelDescription,
  modelPath: string,
  onWorkerError: (error: Error) => void,
): Promise<InferencePool> {
  return startInferencePool({
    modelPath,
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

/**
 * ONNX inference off the main event loop: worker threads with one onnxruntime session
 * each (intra-op threads from config, inter-op 1), a bounded wait queue (QueueFullError
 * when full), a warm-up run per worker before use, buffers transferred without copies.
 * Inputs are 8-bit RGB images (PixelBatch) that the models take as they are ([N, H, W, 3]
 * uint8, normalised inside the graph). Jobs that wait together (arriving while the workers
 * are busy, or within maxBatchDelayMs) run as one model call of up to maxBatch images
 * (cross-request batching); each job gets its own rows of the output.
 */
export { InferenceError, QueueFullError } from './errors.js';
export { startInferencePool } from './inference-pool.js';
export type { InferencePool, InferencePoolOptions, RunOptions } from './inference-pool.js';
export type { InferenceResult } from './job-queue.js';
export { batchSizeOf, packPixelBatch } from './messages.js';
export type { ModelInput, PixelBatch, TensorData } from './messages.js';

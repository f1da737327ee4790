/**
 * ONNX inference off the main event loop: worker threads with one onnxruntime session
 * each (intra-op threads from config, inter-op 1), a bounded wait queue (QueueFullError
 * when full), a warm-up run per worker before use, tensors transferred without copies.
 * Inputs may also be 8-bit images (PixelBatch): the worker normalises them into the tensor,
 * keeping that per-pixel work off the main thread too.
 */
export { InferenceError, QueueFullError } from './errors.js';
export { startInferencePool } from './inference-pool.js';
export type { InferencePool, InferencePoolOptions, InferenceResult } from './inference-pool.js';
export { batchSizeOf, packPixelBatch } from './messages.js';
export type { ModelInput, PixelBatch, TensorData } from './messages.js';

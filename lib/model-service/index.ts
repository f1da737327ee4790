/**
 * The lifecycle shared by the detector and classifier services: model card, metrics,
 * gRPC server with health and reflection, warm inference workers, graceful shutdown; plus
 * decode admission (a budget of source pixels being decoded, MAX_INFLIGHT_PIXELS) and the
 * GetModelInfo answer built from the card.
 */
export { createDecodeAdmission } from './decode-admission.js';
export type { AdmitPixels } from './decode-admission.js';
export { describeImageModel } from './describe-model.js';
export type { ImageModelCard } from './describe-model.js';
export { imageInputMessage, modelInfoResponse } from './model-info.js';
export type { ResizeMode } from './model-info.js';
export { prepareModel } from './model-pool.js';
export { startModelService } from './model-service.js';
export type { ModelServiceSpec, RunningService } from './model-service.js';
export type { InferOutput, ModelDescription, ModelServiceContext, PreparedModel } from './types.js';
export { runServiceMain } from './run-service-main.js';

/**
 * The types a model service's parts share (handlers, the Open Inference Protocol model, the
 * model pool): kept apart from model-service.ts, which composes those parts, so that none of
 * them imports the module that imports it.
 */
import type { InferencePool, ModelInput, TensorData } from '../inference/index.js';
import type { ModelServiceMetrics } from '../metrics/index.js';
import type { ImageInputSpec, ModelFiles } from '../model-card/index.js';
import type { AdmitPixels } from './decode-admission.js';

/** What the handlers of a model service get to work with. */
export interface ModelServiceContext<Card, Config> {
  card: Card;
  config: Config;
  metrics: ModelServiceMetrics;
  /**
   * Runs the model (queue, inference and batch-size metrics recorded here) on 8-bit images
   * the worker places on the model input; that time is `preprocessSeconds`. Requests waiting
   * together share one model call.
   */
  infer: (input: ModelInput, signal?: AbortSignal) => Promise<InferOutput>;
  /** Decode admission: run decodes only once their source pixels fit MAX_INFLIGHT_PIXELS. */
  admitPixels: AdmitPixels;
}

export interface InferOutput extends TensorData {
  /** Worker time spent building the model call's input tensor from the pixels. */
  preprocessSeconds: number;
}

export interface ModelDescription {
  name: string;
  version: string;
  inputName: string;
  outputName: string;
  /** A representative input, run once on every worker before the service reports SERVING. */
  warmUpInput: ModelInput;
  /** The model's image input (size, padding). */
  imageInput: ImageInputSpec;
}

/** What a service's main may have started already (see model-pool.ts). */
export interface PreparedModel<Card> {
  card: Card;
  model: ModelDescription;
  /** The inference workers, loading. */
  pool: Promise<InferencePool>;
  /** Where in MODEL_DIR the model came from. */
  files: ModelFiles;
}

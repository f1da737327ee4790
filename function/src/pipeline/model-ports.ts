import type {
  ClassifyRequestInput,
  ClassifyResponse,
  DetectRequestInput,
  DetectResponse,
} from '../../../lib/client/index.js';

export interface ModelCallOptions {
  deadlineMs: number;
  /** Aborted when the HTTP client goes away: the model call is cancelled. */
  signal?: AbortSignal;
}

/** The two model-service calls the pipeline needs. */
export interface ModelPorts {
  detect(request: DetectRequestInput, options: ModelCallOptions): Promise<DetectResponse>;
  classify(request: ClassifyRequestInput, options: ModelCallOptions): Promise<ClassifyResponse>;
}

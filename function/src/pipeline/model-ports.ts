import type { ClassifyRequest, ClassifyResponse } from '../../../lib/gen/banana/v1/classifier.js';
import type { DetectRequest, DetectResponse } from '../../../lib/gen/banana/v1/detector.js';

/** The two model-service calls the pipeline needs, each with its own deadline. */
export interface ModelPorts {
  detect(request: DetectRequest, deadlineMs: number): Promise<DetectResponse>;
  classify(request: ClassifyRequest, deadlineMs: number): Promise<ClassifyResponse>;
}

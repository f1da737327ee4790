import {
  DetectorService,
  DetectRequest,
  type DeepPartial,
  type DetectResponse,
} from '../gen/banana/v1/detector.js';
import { serviceNameOf } from './service-name.js';
import { createServiceClient, type ClientOptions, type ServiceClient } from './service-client.js';
import type { CallOptions } from './unary-call.js';

export interface DetectorClient {
  /** Bananas in one encoded image (JPEG/PNG/WebP); boxes in EXIF-oriented pixels. */
  detect(request: DetectRequestInput, options?: CallOptions): Promise<DetectResponse>;
  checkHealth: ServiceClient['checkHealth'];
  close(): void;
}

/** DetectRequest with empty fields and default thresholds left out. */
export type DetectRequestInput = DeepPartial<DetectRequest>;

export function createDetectorClient(options: ClientOptions): DetectorClient {
  const client = createServiceClient(serviceNameOf(DetectorService), options);
  return {
    detect: (request, callOptions) =>
      client.call(DetectorService.detect, DetectRequest.fromPartial(request), callOptions),
    checkHealth: (callOptions) => client.checkHealth(callOptions),
    close: () => {
      client.close();
    },
  };
}

import type { DetectRequest, DetectResponse } from '../../../lib/gen/banana/v1/detector.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import {
  decodeScaledForLetterbox,
  letterboxTensor,
  postprocessDetections,
} from '../../../lib/vision/index.js';
import type { DetectorConfig } from './config.js';
import { thresholdsOf } from './thresholds.js';

/** Detect: decode at letterbox size -> pad + normalise -> model -> head decode, NMS, rescale. */
export function createDetect({
  card,
  config,
  metrics,
  infer,
}: ModelServiceContext<DetectorCard, DetectorConfig>) {
  const limits = { maxPixels: config.maxImagePixels };
  const model = { name: card.name, version: card.version };
  return async (request: DetectRequest): Promise<DetectResponse> => {
    const thresholds = thresholdsOf(request, card);
    const scaled = await metrics.time('decode', () =>
      decodeScaledForLetterbox(request.image, card.input, limits),
    );
    const input = metrics.time('preprocess', () => letterboxTensor(scaled, card.input));
    const head = await infer({ data: input.tensor, dims: input.dims });
    const found = metrics.time('postprocess', () =>
      postprocessDetections(head.data, card, input.geometry, thresholds),
    );
    return {
      detections: found.map(({ box, score }) => ({ box, confidence: score, label: card.label })),
      imageSize: input.geometry.source,
      model,
    };
  };
}

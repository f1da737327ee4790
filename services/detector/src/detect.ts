import type { DetectRequest, DetectResponse } from '../../../lib/gen/banana/v1/detector.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import { packPixelBatch } from '../../../lib/inference/index.js';
import { decodeScaledForLetterbox, postprocessDetections } from '../../../lib/vision/index.js';
import type { DetectorConfig } from './config.js';
import { thresholdsOf } from './thresholds.js';

/** Detect: decode at letterbox size -> pad + normalise (in the worker) -> model -> head decode, NMS, rescale. */
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
    // Padding and normalisation happen in the inference worker, off the event loop.
    const { image, geometry } = scaled;
    const head = await infer(
      packPixelBatch([{ image, left: geometry.offsetX, top: geometry.offsetY }]),
    );
    metrics.observeStage('preprocess', head.preprocessSeconds);
    const found = metrics.time('postprocess', () =>
      postprocessDetections(head.data, card, geometry, thresholds),
    );
    return {
      detections: found.map(({ box, score }) => ({ box, confidence: score, label: card.label })),
      imageSize: geometry.source,
      model,
    };
  };
}

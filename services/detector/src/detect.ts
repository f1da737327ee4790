import type { DetectRequest, DetectResponse } from '../../../lib/gen/banana/v1/detector.js';
import { invalidArgument, type CallInfo } from '../../../lib/grpc-server/index.js';
import { packPixelBatch } from '../../../lib/inference/index.js';
import type { DetectorCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import {
  decodeLetterboxed,
  postprocessDetections,
  readImageSize,
} from '../../../lib/vision/index.js';
import type { DetectorConfig } from './config.js';
import { modelSizedImageOf, type ModelSizedImage } from './letterboxed.js';
import { thresholdsOf } from './thresholds.js';

export type Detect = (request: DetectRequest, call: CallInfo) => Promise<DetectResponse>;

/**
 * Detect. Both inputs become RGB pixels at the model's input size (letterboxed) before the
 * model runs: an encoded image is read from its header, admitted to the decode budget,
 * decoded straight to its letterboxed size (shrink-on-load) and padded; letterboxed raw
 * pixels are checked and used as they are. Then model -> head decode, NMS, boxes mapped back.
 */
export function createDetect({
  card,
  config,
  metrics,
  infer,
  admitPixels,
}: ModelServiceContext<DetectorCard, DetectorConfig>): Detect {
  const limits = { maxPixels: config.maxImagePixels };
  const { input } = card;
  const model = { name: card.name, version: card.version };

  const decodeEncoded = async (bytes: Uint8Array, call: CallInfo): Promise<ModelSizedImage> => {
    const source = await readImageSize(bytes, limits);
    return admitPixels(source.width * source.height, 'image', call.signal, () =>
      metrics.time('decode', () => decodeLetterboxed(bytes, input, limits, source)),
    );
  };

  return async (request, call) => {
    const thresholds = thresholdsOf(request, card);
    const hasImage = request.image.length > 0;
    if (hasImage && request.letterboxed) {
      throw invalidArgument('set either image or letterboxed, not both');
    }
    const { image, geometry } = request.letterboxed
      ? modelSizedImageOf(request.letterboxed, input)
      : await decodeEncoded(request.image, call);
    // The model-sized pixels are the model input; the worker builds the tensor from them.
    const head = await infer(packPixelBatch([{ image, left: 0, top: 0 }]), call.signal);
    metrics.observeStage('preprocess', head.preprocessSeconds);
    const found = metrics.time('postprocess', () =>
      postprocessDetections(head.data, card, geometry, thresholds),
    );
    return {
      detections: found.map(({ box, score }) => ({ box, confidence: score, label: card.label })),
      imageSize: geometry.source,
      model,
      minConfidence: thresholds.minConfidence,
      minConfidenceSource: request.minConfidence === undefined ? card.thresholds.source : 'request',
    };
  };
}

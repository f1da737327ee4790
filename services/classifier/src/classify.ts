import type {
  ClassifyRegionsRequest,
  ClassifyRequest,
  ClassifyResponse,
} from '../../../lib/gen/banana/v1/classifier.js';
import { packPixelBatch } from '../../../lib/inference/index.js';
import type { ClassifierCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import {
  cropBoxes,
  decodeImage,
  logitsToClassProbabilities,
  preprocessCrop,
  type RgbImage,
} from '../../../lib/vision/index.js';
import type { ClassifierConfig } from './config.js';
import { assertBatchSize, cropsOf } from './crops.js';

/** Classify and ClassifyRegions: crops -> pad to square, resize -> ONE model run -> softmax. */
export function createClassifyHandlers({
  card,
  config,
  metrics,
  infer,
}: ModelServiceContext<ClassifierCard, ClassifierConfig>) {
  const limits = { maxPixels: config.maxImagePixels };
  const { input, classes } = card;
  const model = { name: card.name, version: card.version };

  const classifyCrops = async (crops: RgbImage[]): Promise<ClassifyResponse> => {
    const started = performance.now();
    const prepared = await Promise.all(crops.map((crop) => preprocessCrop(crop, input)));
    const resizeSeconds = (performance.now() - started) / 1000;
    // Normalisation into the batch tensor happens in the inference worker, off the event loop.
    const logits = await infer(
      packPixelBatch(prepared.map((image) => ({ image, left: 0, top: 0 }))),
    );
    metrics.observeStage('preprocess', resizeSeconds + logits.preprocessSeconds);
    const results = metrics.time('postprocess', () =>
      logitsToClassProbabilities(logits.data, classes.length).map((p) => ({
        stage: classes[p.index] ?? '',
        stageIndex: p.index,
        confidence: p.confidence,
        probabilities: p.probabilities,
      })),
    );
    return { results, classes: [...classes], model };
  };

  return {
    classify: async (request: ClassifyRequest): Promise<ClassifyResponse> => {
      const crops = await metrics.time('decode', () => cropsOf(request, config.maxBatch, limits));
      return classifyCrops(crops);
    },
    classifyRegions: async (request: ClassifyRegionsRequest): Promise<ClassifyResponse> => {
      assertBatchSize(request.boxes.length, config.maxBatch, 'boxes');
      const image = await metrics.time('decode', () => decodeImage(request.image, limits));
      return classifyCrops(cropBoxes(image, request.boxes));
    },
  };
}

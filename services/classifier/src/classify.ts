import type {
  ClassifyRegionsRequest,
  ClassifyRequest,
  ClassifyResponse,
} from '../../../lib/gen/banana/v1/classifier.js';
import type { CallInfo } from '../../../lib/grpc-server/index.js';
import { packPixelBatch } from '../../../lib/inference/index.js';
import type { ClassifierCard } from '../../../lib/model-card/index.js';
import { modelInfoResponse, type ModelServiceContext } from '../../../lib/model-service/index.js';
import {
  cropBoxesToModelInput,
  decodeOriented,
  logitsToClassProbabilities,
  preprocessCrop,
  readImageSize,
  type RgbImage,
} from '../../../lib/vision/index.js';
import type { ClassifierConfig } from './config.js';
import { assertBatchSize, cropsInputOf, decodeCrops } from './crops.js';

type ClassifierContext = ModelServiceContext<ClassifierCard, ClassifierConfig>;

/** Crops at the model's input size: one already that size goes to the model as it is. */
function toModelSize({ card, metrics }: ClassifierContext, crops: RgbImage[]): Promise<RgbImage[]> {
  const { input } = card;
  return metrics.time('preprocess', () =>
    Promise.all(
      crops.map((crop) =>
        crop.width === input.width && crop.height === input.height
          ? Promise.resolve(crop)
          : preprocessCrop(crop, input),
      ),
    ),
  );
}

/** ONE model run over crops at the model's input size, then softmax per crop. */
async function classifyModelSized(
  { card, metrics, infer }: ClassifierContext,
  prepared: RgbImage[],
  signal: AbortSignal,
): Promise<ClassifyResponse> {
  const { classes } = card;
  // The crops are the model's uint8 input as they are (normalisation is in the graph).
  const logits = await infer(
    packPixelBatch(prepared.map((image) => ({ image, left: 0, top: 0 }))),
    signal,
  );
  metrics.observeStage('preprocess', logits.preprocessSeconds);
  const results = metrics.time('postprocess', () =>
    logitsToClassProbabilities(logits.data, classes.length).map((p) => ({
      stage: classes[p.index] ?? '',
      stageIndex: p.index,
      confidence: p.confidence,
      probabilities: p.probabilities,
    })),
  );
  return { results, classes: [...classes], model: { name: card.name, version: card.version } };
}

/**
 * Classify, ClassifyRegions and GetModelInfo: crops -> at the model's input size (pad to
 * square, resize; nothing for a crop already that size) -> ONE model run -> softmax. Encoded
 * images are decoded only once their pixels fit the decode budget.
 */
export function createClassifyHandlers(context: ClassifierContext) {
  const { card, config, metrics, admitPixels } = context;
  const limits = { maxPixels: config.maxImagePixels };
  const info = {
    ...modelInfoResponse(card, 'pad_to_square', config.maxImagePixels),
    classNames: [...card.classes],
    classLabels: [...card.classLabels],
    maxBatch: config.maxBatch,
  };
  return {
    classify: async (request: ClassifyRequest, call: CallInfo): Promise<ClassifyResponse> => {
      const crops = await cropsInputOf(request, config.maxBatch, limits);
      const prepared =
        crops.kind === 'raw'
          ? await toModelSize(context, crops.crops)
          : await admitPixels(crops.pixels, 'crops', call.signal, async () =>
              toModelSize(
                context,
                await metrics.time('decode', () => decodeCrops(crops.crops, limits)),
              ),
            );
      return classifyModelSized(context, prepared, call.signal);
    },
    classifyRegions: async (
      request: ClassifyRegionsRequest,
      call: CallInfo,
    ): Promise<ClassifyResponse> => {
      assertBatchSize(request.boxes.length, config.maxBatch, 'boxes');
      const size = await readImageSize(request.image, limits);
      const prepared = await admitPixels(
        size.width * size.height,
        'image',
        call.signal,
        async () => {
          const image = await metrics.time('decode', () => decodeOriented(request.image, limits));
          return metrics.time('preprocess', () =>
            cropBoxesToModelInput(image, request.boxes, card.input),
          );
        },
      );
      return classifyModelSized(context, prepared, call.signal);
    },
    getModelInfo: () => Promise.resolve(info),
  };
}

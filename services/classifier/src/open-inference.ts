import type { ClassifierCard } from '../../../lib/model-card/index.js';
import type { ModelServiceContext } from '../../../lib/model-service/index.js';
import { createImageModel, type InferenceModel } from '../../../lib/open-inference/index.js';
import type { ClassifierConfig } from './config.js';

/**
 * The classifier as the Open Inference Protocol's model: input `crops` UINT8 [-1, S, S, 3]
 * (the card's input size), output `logits` FP32 [-1, C] (C: the card's classes).
 */
export function createClassifierInferenceModel(
  context: ModelServiceContext<ClassifierCard, ClassifierConfig>,
): InferenceModel {
  const { card } = context;
  return createImageModel({ card, outputShape: [-1, card.classes.length], context });
}

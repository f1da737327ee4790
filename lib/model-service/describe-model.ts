import type { ImageInputSpec } from '../model-card/index.js';
import { paddingTensor } from '../vision/tensor.js';
import type { ModelDescription } from './types.js';

/** What both model cards have in common. */
export interface ImageModelCard {
  name: string;
  version: string;
  input: ImageInputSpec;
  output: { name: string };
}

/** An image model's description: names from its card, an all-padding warm-up input. */
export function describeImageModel(card: ImageModelCard): ModelDescription {
  return {
    name: card.name,
    version: card.version,
    inputName: card.input.name,
    outputName: card.output.name,
    warmUpInput: paddingTensor(card.input),
    imageInput: card.input,
  };
}

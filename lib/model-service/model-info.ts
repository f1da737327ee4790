import type {
  GetModelInfoResponse,
  ImageInputSpec as ImageInputMessage,
} from '../gen/banana/v1/common.js';
import type { ImageInputSpec } from '../model-card/index.js';
import type { ImageModelCard } from './describe-model.js';

/**
 * Tensor facts a card's input may carry besides the parsed ImageInputSpec (the card JSON's
 * `dtype`, `layout` and `channels`); a card without them describes the float32 NCHW RGB input
 * the services have always built.
 */
type CardInput = ImageInputSpec & Partial<Record<'dtype' | 'layout' | 'channels', string>>;

/** How the card's input is resized: the detector letterboxes, the classifier pads to a square. */
export type ResizeMode = 'letterbox' | 'pad_to_square';

/** The card's image input as GetModelInfo describes it. */
export function imageInputMessage(input: CardInput, resizeMode: ResizeMode): ImageInputMessage {
  const { normalization } = input;
  return {
    width: input.width,
    height: input.height,
    padValue: [...input.padValue],
    resizeMode,
    resizeKernel: input.kernel,
    channelOrder: input.channels ?? 'RGB',
    layout: input.layout ?? 'NCHW',
    dtype: input.dtype ?? 'float32',
    normalization: {
      scale: normalization.scale,
      mean: [...normalization.mean],
      std: [...normalization.std],
    },
  };
}

/** GetModelInfo's fields common to both services; each service adds its own. */
export function modelInfoResponse(
  card: ImageModelCard,
  resizeMode: ResizeMode,
  maxImagePixels: number,
): GetModelInfoResponse {
  return {
    model: { name: card.name, version: card.version },
    input: imageInputMessage(card.input, resizeMode),
    classNames: [],
    classLabels: [],
    detectionDefaults: undefined,
    maxBatch: 0,
    maxImagePixels,
  };
}

import sharp from 'sharp';
import { decodePhoto } from '../../function/src/image/decode-photo.js';
import { cropsForClassifier } from '../../function/src/pipeline/model-inputs.js';
import { pixelInputSpec } from '../../function/src/pipeline/model-specs.js';
import type { ClassifierClient } from '../../lib/client/index.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../lib/config/index.js';

export interface RawCrop {
  rgb: Buffer;
  width: number;
  height: number;
}

/** `count` copies of one banana-sized raw crop (200 x 110 px, as in a 1280 px photo). */
export async function repeatedCrop(jpeg: Buffer, count: number): Promise<RawCrop[]> {
  const { data, info } = await sharp(jpeg)
    .extract({ left: 100, top: 100, width: 200, height: 110 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Array.from({ length: count }, () => ({
    rgb: data,
    width: info.width,
    height: info.height,
  }));
}

/**
 * `count` banana-sized regions (about 200 x 110 px, as in a 1280 px photo) of `jpeg`, made
 * as the function makes them: cut from the decoded photo at the classifier's input size
 * (its GetModelInfo), ready to go to the model without resampling.
 */
export async function classifierCrops(
  classifier: ClassifierClient,
  jpeg: Buffer,
  count: number,
): Promise<RawCrop[]> {
  const info = await classifier.getModelInfo();
  const image = await decodePhoto(jpeg, DEFAULT_MAX_IMAGE_PIXELS);
  const boxes = Array.from({ length: count }, (_, i) => {
    const w = 180 + (i % 5) * 10;
    const h = 100 + (i % 3) * 10;
    const left = (i * 97) % (image.width - w);
    const top = (i * 61) % (image.height - h);
    return { xMin: left, yMin: top, xMax: left + w, yMax: top + h };
  });
  const input = pixelInputSpec('classifier', info, 'pad_to_square');
  return cropsForClassifier(boxes, undefined, () => Promise.resolve(image), input);
}

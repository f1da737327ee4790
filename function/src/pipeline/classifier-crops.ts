import {
  boxToPixelRect,
  cropRgb,
  resizeRgb,
  type Box,
  type RgbImage,
} from '../../../lib/vision/index.js';
import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import { fitWithin } from './fit-within.js';
import { CLASSIFIER_CROP_MAX_SIDE } from './transport-limits.js';

const DOWNSCALE_KERNEL = 'lanczos3';

/**
 * Cuts every box out of the decoded photo (the same pixel rule as the classifier service),
 * downscaling crops larger than CLASSIFIER_CROP_MAX_SIDE, ready for one Classify call.
 */
export async function cutClassifierCrops(
  image: RgbImage,
  boxes: readonly Box[],
): Promise<RawImage[]> {
  return Promise.all(
    boxes.map(async (box) => {
      const crop = cropRgb(image, boxToPixelRect(box, image));
      const bounded = await resizeRgb(
        crop,
        fitWithin(crop, CLASSIFIER_CROP_MAX_SIDE),
        DOWNSCALE_KERNEL,
      );
      return {
        rgb: Buffer.from(bounded.data.buffer, bounded.data.byteOffset, bounded.data.byteLength),
        width: bounded.width,
        height: bounded.height,
      };
    }),
  );
}

import sharp from 'sharp';
import { JPEG_OPTIONS } from '../draw/annotate.js';
import { RGB_CHANNELS, type Box, type RgbImage, type Size } from '../../../lib/vision/types.js';
import { fitWithin, rescaleBox } from './fit-within.js';
import {
  DETECTOR_ORIGINAL_MAX_SIDE,
  DETECTOR_VIEW_QUALITY,
  DETECTOR_VIEW_SIDE,
} from './transport-limits.js';

export interface DetectorInput {
  /** Encoded image sent to the detector. */
  bytes: Buffer;
  /** Size of that image after EXIF orientation: the frame of the boxes the detector returns. */
  size: Size;
}

/**
 * What to send to the detector: the original bytes when the photo is small enough (at once,
 * without waiting for `decoded`), otherwise a downscaled JPEG re-encoded from the decoded
 * pixels (no second decode). `original` is `photo` pixels large after EXIF orientation.
 */
export async function prepareDetectorInput(
  original: Buffer,
  photo: Size,
  decoded: RgbImage | Promise<RgbImage>,
): Promise<DetectorInput> {
  if (Math.max(photo.width, photo.height) <= DETECTOR_ORIGINAL_MAX_SIDE) {
    return { bytes: original, size: { width: photo.width, height: photo.height } };
  }
  const image = await decoded;
  const size = fitWithin(image, DETECTOR_VIEW_SIDE);
  const bytes = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: RGB_CHANNELS },
  })
    .resize(size.width, size.height, { fit: 'fill' })
    .jpeg({ quality: DETECTOR_VIEW_QUALITY, ...JPEG_OPTIONS })
    .toBuffer();
  return { bytes, size };
}

/** Maps detector boxes from the detector input's frame back to the original photo's pixels. */
export function boxesInOriginalFrame(
  boxes: readonly Box[],
  input: DetectorInput,
  image: Size,
): Box[] {
  const same = input.size.width === image.width && input.size.height === image.height;
  return boxes.map((box) => (same ? box : rescaleBox(box, input.size, image)));
}

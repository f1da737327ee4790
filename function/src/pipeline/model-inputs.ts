/**
 * What travels to the model services: the photo for the detector (as received, or a
 * downscaled JPEG) with its boxes mapped back, and the crops for the classifier.
 */
import sharp from 'sharp';
import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import {
  boxToPixelRect,
  cropRgb,
  resizeRgb,
  type Box,
  type RgbImage,
  type Size,
} from '../../../lib/vision/index.js';
import { RGB_CHANNELS } from '../../../lib/vision/types.js';
import { JPEG_OPTIONS } from '../draw/annotate.js';

/**
 * How much of the decoded photo travels to the model services. The bounds are well above
 * the models' input sizes (detector 320 px, classifier 128 px in the model cards), so
 * results do not change, while a 12 MP phone photo is no longer shipped in full.
 * Up to DETECTOR_ORIGINAL_MAX_SIDE the detector's shrink-on-load decode of the original is
 * faster than re-encoding here; above it, the downscaled copy is (docs/performance.md).
 */

/** Photos up to this longer side go to the detector as received. */
export const DETECTOR_ORIGINAL_MAX_SIDE = 1600;
/** Larger photos go as a JPEG downscaled to this longer side (boxes are mapped back). */
export const DETECTOR_VIEW_SIDE = 1024;
/** JPEG quality of that downscaled copy. */
export const DETECTOR_VIEW_QUALITY = 92;
/** Crops whose longer side exceeds this are downscaled before classification (keeps any batch under the gRPC message limit). */
export const CLASSIFIER_CROP_MAX_SIDE = 256;

/** `size` scaled down (never up) so that its longer side is at most `maxSide`, keeping the aspect ratio. */
export function fitWithin(size: Size, maxSide: number): Size {
  const longer = Math.max(size.width, size.height);
  if (longer <= maxSide) return size;
  const scale = maxSide / longer;
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/** Maps a box from an image of size `from` to the same image resampled to size `to`. */
export function rescaleBox(box: Box, from: Size, to: Size): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return {
    xMin: Math.min(to.width, Math.max(0, box.xMin * sx)),
    yMin: Math.min(to.height, Math.max(0, box.yMin * sy)),
    xMax: Math.min(to.width, Math.max(0, box.xMax * sx)),
    yMax: Math.min(to.height, Math.max(0, box.yMax * sy)),
  };
}

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

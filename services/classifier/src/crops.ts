import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import type { ClassifyRequest } from '../../../lib/gen/banana/v1/classifier.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import {
  decodeOriented,
  readImageSize,
  type DecodeLimits,
  type RgbImage,
} from '../../../lib/vision/index.js';

/** Refuses an empty batch or one above MAX_BATCH; `items` names what is counted. */
export function assertBatchSize(count: number, maxBatch: number, items: string): void {
  if (count === 0) throw invalidArgument(`empty batch: send at least one of ${items}`);
  if (count > maxBatch) {
    throw invalidArgument(
      `batch of ${count} ${items} is above the limit of ${maxBatch} (MAX_BATCH)`,
    );
  }
}

function rawToRgb(raw: RawImage, index: number, limits: DecodeLimits): RgbImage {
  const { width, height, rgb } = raw;
  const what = `raw_crops[${index}]`;
  if (width < 1 || height < 1)
    throw invalidArgument(`${what} has an empty size ${width}x${height}`);
  if (width * height > limits.maxPixels) {
    throw invalidArgument(
      `${what} has ${width * height} pixels, above the limit of ${limits.maxPixels}`,
    );
  }
  if (rgb.length !== width * height * 3) {
    throw invalidArgument(
      `${what} has ${rgb.length} bytes, but ${width}x${height} RGB needs ${width * height * 3}`,
    );
  }
  return { data: rgb, width, height };
}

/** A Classify request's crops: raw ones checked, or encoded ones with their header sizes. */
export type CropsInput =
  { kind: 'raw'; crops: RgbImage[] } | { kind: 'encoded'; crops: Uint8Array[]; pixels: number };

/**
 * Checks a Classify request (one kind of crops, batch size, raw byte lengths) and reads the
 * encoded crops' headers (EXIF-oriented sizes, pixel limit) without decoding them.
 */
export async function cropsInputOf(
  request: ClassifyRequest,
  maxBatch: number,
  limits: DecodeLimits,
): Promise<CropsInput> {
  const { crops, rawCrops } = request;
  if (crops.length > 0 && rawCrops.length > 0) {
    throw invalidArgument('set either crops or raw_crops, not both');
  }
  if (rawCrops.length > 0) {
    assertBatchSize(rawCrops.length, maxBatch, 'raw_crops');
    return { kind: 'raw', crops: rawCrops.map((raw, i) => rawToRgb(raw, i, limits)) };
  }
  assertBatchSize(crops.length, maxBatch, 'crops');
  const sizes = await Promise.all(
    crops.map((bytes, i) => readImageSize(bytes, limits, `crops[${i}]`)),
  );
  const pixels = sizes.reduce((sum, { width, height }) => sum + width * height, 0);
  return { kind: 'encoded', crops, pixels };
}

/** Decodes encoded crops whose headers cropsInputOf has read (EXIF orientation applied). */
export function decodeCrops(crops: Uint8Array[], limits: DecodeLimits): Promise<RgbImage[]> {
  return Promise.all(crops.map((bytes, i) => decodeOriented(bytes, limits, `crops[${i}]`)));
}

import type { RawImage } from '../../../lib/gen/banana/v1/common.js';
import type { ClassifyRequest } from '../../../lib/gen/banana/v1/classifier.js';
import { invalidArgument } from '../../../lib/grpc-server/index.js';
import { decodeImage, type DecodeLimits, type RgbImage } from '../../../lib/vision/index.js';

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

/** The request's crops as RGB: encoded crops decoded (EXIF applied) or raw crops checked. */
export async function cropsOf(
  request: ClassifyRequest,
  maxBatch: number,
  limits: DecodeLimits,
): Promise<RgbImage[]> {
  const { crops, rawCrops } = request;
  if (crops.length > 0 && rawCrops.length > 0) {
    throw invalidArgument('set either crops or raw_crops, not both');
  }
  if (rawCrops.length > 0) {
    assertBatchSize(rawCrops.length, maxBatch, 'raw_crops');
    return rawCrops.map((raw, i) => rawToRgb(raw, i, limits));
  }
  assertBatchSize(crops.length, maxBatch, 'crops');
  return Promise.all(crops.map((bytes, i) => decodeImage(bytes, limits, `crops[${i}]`)));
}

/**
 * Which image of a photo each classifier crop is cut from. A crop is resized to the
 * classifier's input (128 px) anyway, so a box is cut from the smallest image of the photo in
 * which its padded square still has at least the input's side:
 * - the detector's decode (shrink-on-load at the letterbox scale), which exists already;
 * - else the full-resolution decode, asked for only when some box needs it;
 * each at 1/2^k ("level k": every pixel the rounded mean of a 2^k x 2^k block of the image)
 * for the largest k that keeps the input side. So the square to resize stays under twice the
 * input side and a crop no longer costs more for a larger box. A level is made whole, once
 * per photo, when its boxes cover at least half of it (a crowded photo: 150 overlapping boxes
 * at 1280x960 would otherwise read about 50 M pixels); otherwise each box's block means are
 * computed for that box alone. Both give the same pixels.
 */
import { boxToPixelRect, type PixelRect } from './crop.js';
import type { PixelInputSpec } from './square-crop.js';
import { RGB_CHANNELS, type Box, type RgbImage, type Size } from './types.js';

/** The photo decoded at a lower resolution: its pixels, and the photo's size they stand for. */
export interface ScaledPhoto {
  image: RgbImage;
  source: Size;
}

/** The box in an image of the photo at (sx, sy) of its size (the training code's pixel rule). */
function rectAt(box: Box, sx: number, sy: number, size: Size): PixelRect {
  return boxToPixelRect(
    { xMin: box.xMin * sx, yMin: box.yMin * sy, xMax: box.xMax * sx, yMax: box.yMax * sy },
    size,
  );
}

/** The box in the scaled decode's pixels. */
export function scaledPixelRect(box: Box, scaled: ScaledPhoto): PixelRect {
  const { image, source } = scaled;
  return rectAt(box, image.width / source.width, image.height / source.height, image);
}

/** True when the box's padded square is at least the input's size. */
export function keepsInputSize(rect: PixelRect, input: PixelInputSpec): boolean {
  const side = Math.max(rect.width, rect.height);
  return side >= input.width && side >= input.height;
}

/** How many times the box's square can be halved and keep the input side. */
export function halvingsFor(rect: PixelRect, input: PixelInputSpec): number {
  const side = Math.max(rect.width, rect.height);
  const needed = Math.max(input.width, input.height);
  let k = 0;
  while (side >= needed * 2 ** (k + 1)) k++;
  return k;
}

/** Size of level k of an image: floor(side / 2^k) (a partial last block is dropped). */
export function levelSize(size: Size, k: number): Size {
  return { width: Math.floor(size.width / 2 ** k), height: Math.floor(size.height / 2 ** k) };
}

/**
 * Pixels `rect` of level k of `image`: each the mean of its 2^k x 2^k block of the image,
 * rounded half up. k = 0 is the image's own pixels.
 */
export function levelPixels(image: RgbImage, k: number, rect: PixelRect): RgbImage {
  const block = 2 ** k;
  const count = block * block;
  const half = count / 2;
  const { width, height } = rect;
  const data = new Uint8Array(width * height * RGB_CHANNELS);
  const src = image.data;
  const stride = image.width * RGB_CHANNELS;
  const sums = new Float64Array(width * RGB_CHANNELS);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    const firstRow = (rect.top + y) * block;
    for (let row = firstRow; row < firstRow + block; row++) {
      let p = row * stride + rect.left * block * RGB_CHANNELS;
      for (let x = 0, s = 0; x < width; x++, s += RGB_CHANNELS) {
        for (let i = 0; i < block; i++, p += RGB_CHANNELS) {
          sums[s] = (sums[s] as number) + (src[p] as number);
          sums[s + 1] = (sums[s + 1] as number) + (src[p + 1] as number);
          sums[s + 2] = (sums[s + 2] as number) + (src[p + 2] as number);
        }
      }
    }
    const out = y * width * RGB_CHANNELS;
    for (let i = 0; i < sums.length; i++)
      data[out + i] = Math.floor(((sums[i] as number) + half) / count);
  }
  return { data, width, height };
}

/** Where one box is cut: an image of the photo, its level (and that level's size), the box there. */
interface CropPlan {
  source: 'detector' | 'full';
  k: number;
  size: Size;
  rect: PixelRect;
}

/**
 * The plan for a box in an image of `imageSize` that is the photo at (sx, sy), where the box
 * covers `rect`: the level k that keeps the input side, and the box there.
 */
function planAt(
  source: CropPlan['source'],
  box: Box,
  rect: PixelRect,
  imageSize: Size,
  [sx, sy]: [number, number],
  input: PixelInputSpec,
): CropPlan {
  const k = halvingsFor(rect, input);
  if (k === 0) return { source, k, size: imageSize, rect };
  const size = levelSize(imageSize, k);
  return { source, k, size, rect: rectAt(box, sx * 2 ** -k, sy * 2 ** -k, size) };
}

function planCrop(
  box: Box,
  scaled: ScaledPhoto | undefined,
  fullSize: Size,
  input: PixelInputSpec,
): CropPlan {
  if (scaled !== undefined) {
    const rect = scaledPixelRect(box, scaled);
    const { image, source } = scaled;
    const scale: [number, number] = [image.width / source.width, image.height / source.height];
    if (keepsInputSize(rect, input)) return planAt('detector', box, rect, image, scale, input);
  }
  return planAt('full', box, boxToPixelRect(box, fullSize), fullSize, [1, 1], input);
}

/**
 * Crops prepared at once: enough to keep libvips' threads busy when a crop goes through
 * sharp, few enough that the padded squares of many large boxes are not all held together.
 */
const CROPS_IN_FLIGHT = 4;

/** Pads a region of an image to a centred square and resizes it to the input (the card's rule). */
export type CropToInput = (
  image: RgbImage,
  rect: PixelRect,
  input: PixelInputSpec,
) => Promise<RgbImage> | RgbImage;

/**
 * Lets other work in between crops: the next turn of the event loop (setImmediate) in Node;
 * in a browser, where there is no setImmediate, a resolved promise (the page's analysis is
 * one burst of work).
 */
const { setImmediate: immediate } = globalThis as {
  setImmediate?: (callback: () => void) => unknown;
};
const nextTurn = (): Promise<void> =>
  immediate ? new Promise((resolve) => immediate(resolve)) : Promise.resolve();

/**
 * cropBoxesFromDecodes with `crop` as the resize: lib/vision/model-input.ts binds
 * cropToModelInput (sharp for what JavaScript does not resize), the browser's device mode
 * (web/src/device.ts) the JavaScript resize alone. This file imports nothing from Node, so
 * that the browser bundle is built from it as it is.
 */
export function cropBoxesWith(crop: CropToInput) {
  /**
   * Every box (in the photo's pixels) at the classifier's input size, cut from the smallest
   * image that keeps it at least that size: a level of `scaled` (the detector's decode), else
   * a level of the full-resolution decode from `full()` (called at most once, only when some
   * box needs it). Crops come back in the order of the boxes.
   */
  return (
    boxes: readonly Box[],
    scaled: ScaledPhoto | undefined,
    full: () => Promise<RgbImage>,
    input: PixelInputSpec,
  ): Promise<RgbImage[]> => cropBoxes(crop, boxes, scaled, full, input);
}

async function cropBoxes(
  cropToModelInput: CropToInput,
  boxes: readonly Box[],
  scaled: ScaledPhoto | undefined,
  full: () => Promise<RgbImage>,
  input: PixelInputSpec,
): Promise<RgbImage[]> {
  if (boxes.length === 0) return [];
  let fullImage: Promise<RgbImage> | undefined;
  const fullDecode = () => (fullImage ??= full());
  // The photo's size is known without decoding it when the detector's decode is there.
  const fullSize = scaled?.source ?? (await fullDecode());
  const plans = boxes.map((box) => planCrop(box, scaled, fullSize, input));
  const sourceImage = (plan: CropPlan): Promise<RgbImage> =>
    plan.source === 'detector' && scaled !== undefined
      ? Promise.resolve(scaled.image)
      : fullDecode();

  // Levels covered at least half by their boxes are made whole, once.
  const covered = new Map<string, number>();
  for (const { source, k, rect } of plans) {
    const key = `${source}/${k}`;
    covered.set(key, (covered.get(key) ?? 0) + rect.width * rect.height);
  }
  const wholeLevels = new Map<string, Promise<RgbImage>>();
  const wholeLevel = (plan: CropPlan): Promise<RgbImage> | undefined => {
    const key = `${plan.source}/${plan.k}`;
    let level = wholeLevels.get(key);
    if (level === undefined) {
      const { width, height } = plan.size;
      if (plan.k === 0 || (covered.get(key) ?? 0) * 2 < width * height) return undefined;
      level = sourceImage(plan).then((image) =>
        levelPixels(image, plan.k, { left: 0, top: 0, width, height }),
      );
      wholeLevels.set(key, level);
    }
    return level;
  };

  const crops = new Array<RgbImage>(boxes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < boxes.length; i = next++) {
      const plan = plans[i] as CropPlan;
      const whole = wholeLevel(plan);
      if (whole !== undefined) {
        crops[i] = await cropToModelInput(await whole, plan.rect, input);
      } else if (plan.k === 0) {
        crops[i] = await cropToModelInput(await sourceImage(plan), plan.rect, input);
      } else {
        const region = levelPixels(await sourceImage(plan), plan.k, plan.rect);
        const all = { left: 0, top: 0, width: region.width, height: region.height };
        crops[i] = await cropToModelInput(region, all, input);
      }
      // Resizes run on this thread (resample.ts): let I/O and other requests in between crops.
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CROPS_IN_FLIGHT, boxes.length) }, worker));
  return crops;
}

/**
 * Which decode of a photo each classifier crop is cut from. A crop is resized to the
 * classifier's input (128 px) anyway, so a box is cut from the smallest image of the photo in
 * which its padded square still has at least the input's side:
 * - the detector's decode (shrink-on-load at the letterbox scale), which exists already, or a
 *   halving of it;
 * - else the full-resolution decode, or a halving of it.
 * Halving k of an image is the image at 1/2^k, each the 2x2 mean of the one above, made once
 * per photo when a box needs it.
 * So the cost of a crop no longer grows with the box: a photo of 150 large overlapping boxes
 * reads the photo's pixels a few times instead of each box's square once (about 50 M pixels
 * at 1280x960). The full-resolution decode is asked for only when some box needs it.
 */
import { boxToPixelRect, type PixelRect } from './crop.js';
import { cropToModelInput, type PixelInputSpec } from './model-input.js';
import { RGB_CHANNELS, type Box, type RgbImage, type Size } from './types.js';

/** The photo decoded at a lower resolution: its pixels, and the photo's size they stand for. */
export interface ScaledPhoto {
  image: RgbImage;
  source: Size;
}

/** An image of the photo and its scale per axis (its pixels per photo pixel). */
interface Level {
  image: RgbImage;
  scaleX: number;
  scaleY: number;
}

/** The box in a level's pixels (the training code's pixel rule applied there). */
function levelRect(box: Box, level: Level): PixelRect {
  const { scaleX: sx, scaleY: sy } = level;
  return boxToPixelRect(
    { xMin: box.xMin * sx, yMin: box.yMin * sy, xMax: box.xMax * sx, yMax: box.yMax * sy },
    level.image,
  );
}

/** The box in the scaled decode's pixels. */
export function scaledPixelRect(box: Box, scaled: ScaledPhoto): PixelRect {
  return levelRect(box, scaledLevel(scaled));
}

function scaledLevel(scaled: ScaledPhoto): Level {
  return {
    image: scaled.image,
    scaleX: scaled.image.width / scaled.source.width,
    scaleY: scaled.image.height / scaled.source.height,
  };
}

/** True when the box's padded square is at least the input's size. */
export function keepsInputSize(rect: PixelRect, input: PixelInputSpec): boolean {
  const side = Math.max(rect.width, rect.height);
  return side >= input.width && side >= input.height;
}

/**
 * The image at half the size (floor of each side): each pixel the rounded mean of a 2x2 block
 * (an odd last row or column is dropped).
 */
export function halveImage(image: RgbImage): RgbImage {
  const width = Math.floor(image.width / 2);
  const height = Math.floor(image.height / 2);
  const data = new Uint8Array(width * height * RGB_CHANNELS);
  const src = image.data;
  const stride = image.width * RGB_CHANNELS;
  for (let y = 0; y < height; y++) {
    let a = 2 * y * stride;
    let o = y * width * RGB_CHANNELS;
    for (let x = 0; x < width; x++, a += 2 * RGB_CHANNELS) {
      for (let c = 0; c < RGB_CHANNELS; c++, o++) {
        const top = a + c;
        const bottom = top + stride;
        data[o] =
          ((src[top] as number) +
            (src[top + RGB_CHANNELS] as number) +
            (src[bottom] as number) +
            (src[bottom + RGB_CHANNELS] as number) +
            2) >>
          2;
      }
    }
  }
  return { data, width, height };
}

/**
 * Halvings: how many times the box's square can be halved and keep the input side (0: cut it
 * at full resolution).
 */
export function halvingsFor(rect: PixelRect, input: PixelInputSpec): number {
  const side = Math.max(rect.width, rect.height);
  const needed = Math.max(input.width, input.height);
  let k = 0;
  while (side >= needed * 2 ** (k + 1)) k++;
  return k;
}

/** An image of the photo at (scaleX, scaleY) and its halvings, each made once, when first asked for. */
function pyramid(base: () => Promise<RgbImage>, scaleX: number, scaleY: number) {
  const images: Promise<RgbImage>[] = [];
  const image = (k: number): Promise<RgbImage> => {
    let made = images[k];
    if (made === undefined) {
      made = k === 0 ? base() : image(k - 1).then(halveImage);
      images[k] = made;
    }
    return made;
  };
  return async (k: number): Promise<Level> => ({
    image: await image(k),
    scaleX: scaleX * 2 ** -k,
    scaleY: scaleY * 2 ** -k,
  });
}

/**
 * Crops prepared at once: enough to keep libvips' threads busy when a crop goes through
 * sharp, few enough that the padded squares of many large boxes are not all held together.
 */
const CROPS_IN_FLIGHT = 4;

/**
 * Every box (in the photo's pixels) at the classifier's input size, cut from the smallest
 * image that keeps it at least that size: `scaled` (the detector's decode) or a halving of
 * it, else the full-resolution decode from `full()` (called at most once, only when some box
 * needs it) or a halving of that. Crops come back in the order of the boxes.
 */
export async function cropBoxesFromDecodes(
  boxes: readonly Box[],
  scaled: ScaledPhoto | undefined,
  full: () => Promise<RgbImage>,
  input: PixelInputSpec,
): Promise<RgbImage[]> {
  const detectorLevel = scaled === undefined ? undefined : scaledLevel(scaled);
  const detectorLevels =
    scaled === undefined
      ? undefined
      : pyramid(
          () => Promise.resolve(scaled.image),
          detectorLevel?.scaleX ?? 1,
          detectorLevel?.scaleY ?? 1,
        );
  const fullLevels = pyramid(full, 1, 1);
  const sourceOf = async (box: Box): Promise<{ level: Level; rect: PixelRect }> => {
    if (detectorLevel !== undefined && detectorLevels !== undefined) {
      const rect = levelRect(box, detectorLevel);
      if (keepsInputSize(rect, input)) {
        const level = await detectorLevels(halvingsFor(rect, input));
        return { level, rect: levelRect(box, level) };
      }
    }
    // Halvings from the box at full resolution; the photo's size is known without decoding.
    const size = scaled?.source ?? (await fullLevels(0)).image;
    const level = await fullLevels(halvingsFor(boxToPixelRect(box, size), input));
    return { level, rect: levelRect(box, level) };
  };
  const crops = new Array<RgbImage>(boxes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < boxes.length; i = next++) {
      const { level, rect } = await sourceOf(boxes[i] as Box);
      crops[i] = await cropToModelInput(level.image, rect, input);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CROPS_IN_FLIGHT, boxes.length) }, worker));
  return crops;
}

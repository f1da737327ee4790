import { placeOnCanvas } from './canvas.js';
import { decodeResized, readImageSize, type DecodeLimits } from './decode.js';
import { letterboxGeometry, type LetterboxGeometry } from './letterbox.js';
import type { ScaledForLetterbox } from './detections.js';
import type { PixelInputSpec } from './square-crop.js';
import type { RgbImage, Size } from './types.js';

function targetSize(input: { width: number; height: number }) {
  return { width: input.width, height: input.height };
}

/**
 * Decodes directly at the letterboxed size (JPEG/WebP shrink-on-load keeps big photos
 * cheap). `source` is the EXIF-oriented size when the caller has read it already; otherwise
 * the header is read here.
 */
export async function decodeScaledForLetterbox(
  bytes: Uint8Array,
  input: PixelInputSpec,
  limits: DecodeLimits,
  source?: Size,
): Promise<ScaledForLetterbox> {
  const size = source ?? (await readImageSize(bytes, limits));
  const geometry = letterboxGeometry(size, targetSize(input));
  const image = await decodeResized(bytes, geometry.resized, input.kernel, limits);
  return { image, geometry };
}

/**
 * The detector's input as pixels: decodeScaledForLetterbox, then padded onto the model
 * canvas with the card's pad value. The detector service's path for encoded images, and the
 * function's (which sends these pixels); `npm run eval` feeds the same pixels as a tensor.
 * `scaled` is the decode before padding (geometry.resized), where large boxes are cropped.
 */
export async function decodeLetterboxed(
  bytes: Uint8Array,
  input: PixelInputSpec,
  limits: DecodeLimits,
  source?: Size,
): Promise<{ image: RgbImage; geometry: LetterboxGeometry; scaled: RgbImage }> {
  const { image, geometry } = await decodeScaledForLetterbox(bytes, input, limits, source);
  return {
    scaled: image,
    image: placeOnCanvas(
      image,
      geometry.target,
      geometry.offsetX,
      geometry.offsetY,
      input.padValue,
    ),
    geometry,
  };
}

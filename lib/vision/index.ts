/**
 * Image processing for the banana models: pure functions (plus sharp for decoding and
 * resampling), every constant taken from the model card. Used by the services, the
 * function and `npm run eval`.
 *
 * Decoding (JPEG/PNG/WebP only, judged by magic bytes; EXIF orientation applied; alpha
 * dropped; `maxPixels` refused before decoding). Input problems throw ImageInputError.
 *   readImageSize(bytes, limits, what?)            -> Promise<Size>      header only
 *   decodeImage(bytes, limits, what?)              -> Promise<RgbImage>  full resolution
 *
 * Detector (letterbox: scale = min(W/w, H/h), resized = round(w*scale), centred with floor offsets):
 *   decodeScaledForLetterbox(bytes, input, limits) -> Promise<ScaledForLetterbox>  service path,
 *   letterboxTensor(scaled, input)                 -> DetectorInput             shrink-on-load
 *   postprocessDetections(head, card, geometry, thresholds) -> ScoredBox[]  original pixels
 *
 * Classifier (crop with rounded edges, pad to a centred square, resize):
 *   cropBoxes(rgb, boxes)                          -> RgbImage[]
 *   preprocessCrop(crop, input)                    -> Promise<RgbImage>  model input size
 *   toNchwTensor(images, input)                    -> Float32Array       [N, 3, H, W]
 *   paddingTensor(input)                           -> {data, dims}       [1, 3, H, W] padding only
 *   logitsToClassProbabilities(logits, classCount) -> ClassProbabilities[]
 *
 * Building blocks (exported for tests and tools): filledImage, placeOnCanvas, letterboxGeometry, unletterboxBox,
 * decodeYoloHead, nonMaxSuppression, iou, softmax, padToSquare, boxToPixelRect, cropRgb.
 */
export { filledImage, placeOnCanvas } from './canvas.js';
export { boxToPixelRect, cropRgb, assertUsableBox } from './crop.js';
export type { PixelRect } from './crop.js';
export { cropBoxes, logitsToClassProbabilities, preprocessCrop } from './classifier-pipeline.js';
export type { ClassProbabilities } from './classifier-pipeline.js';
export { decodeImage, decodeOriented, decodeResized, readImageSize } from './decode.js';
export type { DecodeLimits } from './decode.js';
export {
  decodeScaledForLetterbox,
  letterboxTensor,
  postprocessDetections,
} from './detector-pipeline.js';
export type {
  DetectionThresholds,
  DetectorInput,
  ScaledForLetterbox,
} from './detector-pipeline.js';
export { assertSupportedImage, sniffImageFormat, SUPPORTED_FORMATS } from './image-format.js';
export type { ImageFormat, SupportedFormat } from './image-format.js';
export { ImageInputError, UnsupportedImageError } from './image-input-error.js';
export { letterboxGeometry, unletterboxBox } from './letterbox.js';
export type { LetterboxGeometry } from './letterbox.js';
export { iou, nonMaxSuppression } from './nms.js';
export { padToSquare } from './pad-to-square.js';
export { resizeRgb } from './resize.js';
export { softmax } from './softmax.js';
export { paddingTensor, placedImagesTensor, placedNchwTensor, toNchwTensor } from './tensor.js';
export type { PlacedImage } from './tensor.js';
export { RGB_CHANNELS } from './types.js';
export type { Box, RgbImage, ScoredBox, Size } from './types.js';
export { decodeYoloHead, sigmoid } from './yolo-head.js';

/**
 * Image processing for the banana models: pure functions (plus sharp for decoding and
 * resampling), every constant taken from the model card. Used by the services, the
 * function and `npm run eval`. The models take 8-bit RGB pixels [N, H, W, 3] and normalise
 * inside the graph, so model inputs are pixel buffers at model size.
 *
 * Decoding (JPEG/PNG/WebP only, judged by magic bytes; EXIF orientation applied; alpha
 * dropped; `maxPixels` refused before decoding). Input problems throw ImageInputError.
 *   readImageSize(bytes, limits, what?)            -> Promise<Size>      header only
 *   decodeImage(bytes, limits, what?)              -> Promise<RgbImage>  full resolution
 *
 * Detector (letterbox: scale = min(W/w, H/h), resized = round(w*scale), centred with floor offsets):
 *   decodeScaledForLetterbox(bytes, input, limits) -> Promise<ScaledForLetterbox>  shrink-on-load
 *   letterboxTensor(scaled, input)                 -> DetectorInput  [1, H, W, 3] uint8
 *   decodeLetterboxed(bytes, input, limits)        -> Promise<{image, geometry}>  padded pixels
 *   postprocessDetections(head, card, geometry, thresholds) -> ScoredBox[]  original pixels
 *
 * Classifier (crop with rounded edges, pad to a centred square, resize):
 *   cropBoxesToModelInput(rgb, boxes, input)       -> Promise<RgbImage[]>  model input size
 *   preprocessCrop(crop, input)                    -> Promise<RgbImage>  model input size
 *   cropToModelInput(rgb, rect, input)             -> Promise<RgbImage>  the same, straight from a photo
 *   cropBoxesFromDecodes(boxes, scaled, full, input) -> Promise<RgbImage[]>  from the smallest decode that keeps the input size
 *   toInputTensor(images, input)                   -> Uint8Array         [N, H, W, 3]
 *   paddingTensor(input)                           -> {pixels, images}   one all-padding input
 *   logitsToClassProbabilities(logits, classCount) -> ClassProbabilities[]
 *
 * Building blocks (exported for tests and tools): filledImage, placeInto, placeOnCanvas, letterboxGeometry, unletterboxBox,
 * decodeYoloHead, nonMaxSuppression, iou, softmax, cropPaddedToSquare, boxToPixelRect, cropRgb.
 */
export { filledImage, placeInto, placeOnCanvas } from './canvas.js';
export { boxToPixelRect, cropRgb, assertUsableBox } from './crop.js';
export type { PixelRect } from './crop.js';
export { cropBoxesToModelInput, preprocessCrop } from './classifier-pipeline.js';
export { decodeImage, decodeOriented, decodeResized, readImageSize } from './decode.js';
export type { DecodeLimits } from './decode.js';
export { decodeLetterboxed, decodeScaledForLetterbox } from './detector-pipeline.js';
export { letterboxTensor, postprocessDetections } from './detections.js';
export type { DetectionThresholds, DetectorInput, ScaledForLetterbox } from './detections.js';
export { assertSupportedImage, sniffImageFormat, SUPPORTED_FORMATS } from './image-format.js';
export type { ImageFormat, SupportedFormat } from './image-format.js';
export {
  EmptyImageError,
  ImageInputError,
  libvipsReason,
  UnsupportedImageError,
} from './image-input-error.js';
export { letterboxGeometry, unletterboxBox } from './letterbox.js';
export type { LetterboxGeometry } from './letterbox.js';
export { cropBoxesFromDecodes, cropPaddedToSquare, cropToModelInput } from './model-input.js';
export type { ScaledPhoto } from './crop-source.js';
export type { PixelInputSpec } from './square-crop.js';
export { iou, nonMaxSuppression } from './nms.js';
export { logitsToClassProbabilities, ripenessIndex, softmax } from './softmax.js';
export type { ClassProbabilities } from './softmax.js';
export { paddingTensor, placedImagesTensor, toInputTensor } from './tensor.js';
export type { PlacedImage } from './tensor.js';
export { hasArea, RGB_CHANNELS } from './types.js';
export type { Box, RgbImage, ScoredBox, Size } from './types.js';
export { decodeYoloHead, sigmoid } from './yolo-head.js';

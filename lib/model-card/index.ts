/**
 * Model cards (models/detector.json, models/classifier.json): the only source of input
 * sizes, resampling, padding, normalisation, head layout, thresholds and class names.
 * Loading validates every field the code relies on and fails with the field's path.
 */
export { loadClassifierCard, loadDetectorCard } from './load.js';
export { ModelCardError } from './model-card-error.js';
export {
  classifierCardOf,
  detectorCardOf,
  findModelFiles,
  nextVersionNumber,
  overlayFor,
  parseThresholdOverlay,
  withOverlay,
  writeThresholdOverlay,
} from './model-dir.js';
export type { ModelFiles, ThresholdOverlay } from './model-dir.js';
export { parseClassifierCard, parseDetectorCard } from './parse.js';
export type {
  ClassifierCard,
  DetectorCard,
  HeadLevel,
  ImageInputSpec,
  Normalization,
  ResizeKernel,
  Triple,
} from './types.js';

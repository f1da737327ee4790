import { JsonFields } from './json-fields.js';
import type {
  ClassifierCard,
  DetectorCard,
  HeadLevel,
  ImageInputSpec,
  ResizeKernel,
} from './types.js';

/**
 * sharp's resampling kernels (a unit test keeps this equal to sharp.kernel), listed here so
 * that reading a card does not load sharp: a service starts loading its model before that.
 */
export const RESIZE_KERNELS: readonly ResizeKernel[] = [
  'nearest',
  'linear',
  'cubic',
  'mitchell',
  'lanczos2',
  'lanczos3',
  'mks2013',
  'mks2021',
];

const YOLO_ROW = ['tx', 'ty', 'tw', 'th', 'objectness_logit'];

/**
 * The serving code feeds decoded 8-bit RGB pixels as they are: the card must describe a uint8
 * NHWC input whose normalisation the graph does itself (models/training/add_uint8_input.py).
 */
function parseImageInput(card: JsonFields, resizeMode: string): ImageInputSpec {
  card.oneOf('input.dtype', ['uint8']);
  card.oneOf('input.layout', ['NHWC']);
  card.oneOf('input.channels', ['RGB']);
  card.oneOf('input.batch', ['dynamic']);
  card.oneOf('input.normalization.applied', ['in_graph']);
  card.oneOf('input.resize.mode', [resizeMode]);
  card.oneOf('input.resize.align', ['center']);
  return {
    name: card.string('input.name'),
    width: card.positiveInteger('input.width'),
    height: card.positiveInteger('input.height'),
    kernel: card.oneOf('input.resize.kernel', RESIZE_KERNELS),
    padValue: card.triple('input.resize.pad_value', { min: 0, max: 255 }),
    normalization: {
      scale: card.number('input.normalization.scale', { min: Number.MIN_VALUE }),
      mean: card.triple('input.normalization.mean'),
      std: card.triple('input.normalization.std', { min: Number.MIN_VALUE }),
    },
  };
}

function parseLevels(card: JsonFields): HeadLevel[] {
  return card.array('output.levels').map((_, i) => ({
    stride: card.positiveInteger(`output.levels.${i}.stride`),
    gridWidth: card.positiveInteger(`output.levels.${i}.grid_width`),
    gridHeight: card.positiveInteger(`output.levels.${i}.grid_height`),
  }));
}

/** Validates a parsed models/detector.json; `source` names it in errors. */
export function parseDetectorCard(json: unknown, source = 'detector model card'): DetectorCard {
  const card = new JsonFields(source, json);
  const row = card.strings('output.row');
  if (row.join() !== YOLO_ROW.join())
    card.fail('output.row', `must be ${JSON.stringify(YOLO_ROW)}`);
  const levels = parseLevels(card);
  if (levels.length === 0) card.fail('output.levels', 'must list at least one level');
  const classes = card.strings('classes');
  if (classes.length !== 1) card.fail('classes', 'must hold exactly one class (single-class head)');
  return {
    name: card.string('name'),
    version: card.string('version'),
    input: parseImageInput(card, 'letterbox'),
    output: { name: card.string('output.name'), levels },
    label: classes[0] ?? card.fail('classes', 'is empty'),
    thresholds: {
      confidence: card.number('thresholds.confidence', { min: 0, max: 1 }),
      iou: card.number('thresholds.iou', { min: 0, max: 1 }),
      maxDetections: card.positiveInteger('thresholds.max_detections'),
      source: 'model card',
    },
  };
}

/** Validates a parsed models/classifier.json; `source` names it in errors. */
export function parseClassifierCard(
  json: unknown,
  source = 'classifier model card',
): ClassifierCard {
  const card = new JsonFields(source, json);
  if (card.number('input.crop.margin') !== 0) {
    card.fail('input.crop.margin', 'must be 0 (crop margins are not implemented)');
  }
  const classes = card.strings('classes');
  const classLabels = card.strings('class_labels');
  if (classLabels.length !== classes.length) {
    card.fail('class_labels', `must have one label per class (${classes.length})`);
  }
  const outputShape = card.array('output.shape');
  if (outputShape.length !== 2 || outputShape[1] !== classes.length) {
    card.fail('output.shape', `must be ["N", ${classes.length}] (one logit per class)`);
  }
  return {
    name: card.string('name'),
    version: card.string('version'),
    input: parseImageInput(card, 'pad_to_square'),
    output: { name: card.string('output.name') },
    classes,
    classLabels,
  };
}

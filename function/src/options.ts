import { badRequest } from './errors.js';

/**
 * Per-request options, given as query parameters, JSON fields or multipart fields.
 * Thresholds left undefined fall back to the detector's model-card defaults.
 */
export interface RequestOptions {
  minConfidence?: number;
  iou?: number;
  maxDetections?: number;
  /** `jpeg` returns the annotated photo, `none` returns detections only. */
  format: 'jpeg' | 'none';
  /** JPEG quality of the annotated photo. */
  quality: number;
}

export const DEFAULT_OPTIONS: Readonly<RequestOptions> = { format: 'jpeg', quality: 85 };
export const MAX_DETECTIONS_LIMIT = 300;

export const OPTION_NAMES = [
  'min_confidence',
  'iou',
  'max_detections',
  'format',
  'quality',
] as const;
export type OptionName = (typeof OPTION_NAMES)[number];
export type RawOptions = Partial<Record<OptionName, unknown>>;

export function isOptionName(name: string): name is OptionName {
  return (OPTION_NAMES as readonly string[]).includes(name);
}

function toNumber(name: OptionName, value: unknown): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(number))
    throw badRequest(`option ${name} must be a number, got ${JSON.stringify(value)}`);
  return number;
}

function numberInRange(
  name: OptionName,
  value: unknown,
  min: number,
  max: number,
  minExclusive = false,
): number {
  const number = toNumber(name, value);
  const tooLow = minExclusive ? number <= min : number < min;
  if (tooLow || number > max) {
    throw badRequest(
      `option ${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${number}`,
    );
  }
  return number;
}

function integerInRange(name: OptionName, value: unknown, min: number, max: number): number {
  const number = numberInRange(name, value, min, max);
  if (!Number.isInteger(number))
    throw badRequest(`option ${name} must be an integer, got ${number}`);
  return number;
}

function parseFormat(value: unknown): RequestOptions['format'] {
  if (value === 'jpeg' || value === 'none') return value;
  throw badRequest(`option format must be "jpeg" or "none", got ${JSON.stringify(value)}`);
}

/** Validates raw option values; throws a 400 HttpError naming the first bad option. */
export function parseOptions(raw: RawOptions): RequestOptions {
  const options: RequestOptions = { ...DEFAULT_OPTIONS };
  if (raw.min_confidence !== undefined)
    options.minConfidence = numberInRange('min_confidence', raw.min_confidence, 0, 1);
  if (raw.iou !== undefined) options.iou = numberInRange('iou', raw.iou, 0, 1, true);
  if (raw.max_detections !== undefined) {
    options.maxDetections = integerInRange(
      'max_detections',
      raw.max_detections,
      1,
      MAX_DETECTIONS_LIMIT,
    );
  }
  if (raw.format !== undefined) options.format = parseFormat(raw.format);
  if (raw.quality !== undefined) options.quality = integerInRange('quality', raw.quality, 1, 100);
  return options;
}

/** Collects options from name/value pairs (query string, form fields), rejecting unknown names. */
export function collectRawOptions(
  entries: Iterable<[string, unknown]>,
  source: string,
): RawOptions {
  const raw: RawOptions = {};
  for (const [name, value] of entries) {
    if (!isOptionName(name)) {
      throw badRequest(`unknown ${source} "${name}"; known options: ${OPTION_NAMES.join(', ')}`);
    }
    if (raw[name] !== undefined) throw badRequest(`option ${name} given more than once`);
    raw[name] = value;
  }
  return raw;
}

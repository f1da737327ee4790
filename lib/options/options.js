// The per-request options of a photo, each defined once: name, type, range, default and
// meaning. The function's HTTP parser, the detector service's checks of DetectRequest, the
// CLIs, the page (served to it as modules/options.js) and the options table of
// docs/function.md (npm run gen:docs) all read this module. A plain ES module with JSDoc
// types, type-checked by tsc (checkJs), so that the browser loads it as it is.

/**
 * @typedef {{ kind: 'number', min: number, max: number, minExclusive?: boolean,
 *   integer?: boolean, default?: number, description: string }} NumberOption
 * @typedef {{ kind: 'enum', values: readonly string[], default: string,
 *   description: string }} EnumOption
 * @typedef {NumberOption | EnumOption} OptionSpec
 */

export const OPTIONS = Object.freeze(
  /** @satisfies {Record<string, OptionSpec>} */ ({
    min_confidence: {
      kind: 'number',
      min: 0,
      max: 1,
      description: 'lowest detection confidence a box needs',
    },
    iou: {
      kind: 'number',
      min: 0,
      minExclusive: true,
      max: 1,
      description: 'NMS: of two boxes overlapping more than this, the less confident is dropped',
    },
    max_detections: {
      kind: 'number',
      integer: true,
      min: 1,
      max: 300,
      description: 'most bananas in the answer, most confident first',
    },
    format: {
      kind: 'enum',
      values: ['jpeg', 'none'],
      default: 'jpeg',
      description: '`jpeg`: the annotated photo in `img`; `none`: the detections only',
    },
    quality: {
      kind: 'number',
      integer: true,
      min: 1,
      max: 100,
      default: 85,
      description: 'JPEG quality of the annotated photo',
    },
  }),
);

/** @typedef {keyof typeof OPTIONS} OptionName */

/** @type {readonly OptionName[]} */
export const OPTION_NAMES = Object.freeze(/** @type {OptionName[]} */ (Object.keys(OPTIONS)));

/** @param {string} name @returns {name is OptionName} */
export function isOptionName(name) {
  return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}

/** "[0, 1]", "(0, 1]", or "one of "jpeg", "none"". @param {OptionSpec} spec */
export function rangeText(spec) {
  if (spec.kind === 'enum') return spec.values.map((v) => JSON.stringify(v)).join(' or ');
  return `${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}]`;
}

/**
 * A value as received: a number, or text from a query string or form field. JSON numbers
 * beyond a double arrive as Infinity and are named as such.
 * @param {unknown} value
 */
function describeValue(value) {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/**
 * The value of option `name` checked against its definition; numbers may come as text.
 * The error, when there is one, completes "option <name> …".
 * @param {OptionName} name
 * @param {unknown} value
 * @returns {{ value: number | string, error?: undefined } | { error: string }}
 */
export function checkOption(name, value) {
  /** @type {OptionSpec} */
  const spec = OPTIONS[name];
  if (spec.kind === 'enum') {
    return typeof value === 'string' && spec.values.includes(value)
      ? { value }
      : { error: `must be ${rangeText(spec)}, got ${describeValue(value)}` };
  }
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(number)) {
    return { error: `must be a number in ${rangeText(spec)}, got ${describeValue(value)}` };
  }
  const tooLow = spec.minExclusive ? number <= spec.min : number < spec.min;
  if (tooLow || number > spec.max) {
    return { error: `must be in ${rangeText(spec)}, got ${number}` };
  }
  if (spec.integer && !Number.isInteger(number)) {
    return { error: `must be an integer, got ${number}` };
  }
  return { value: number };
}

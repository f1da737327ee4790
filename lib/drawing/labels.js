// What an annotated photo shows and where, short of pixels: the stage colours, the label
// text, the outline with its halo and the placement of numbered, non-overlapping labels. The
// function paints them with sharp (annotate.ts beside this file) and the page's camera mode on
// a canvas, both from this one module, which the function serves to the browser as it is
// (GET modules/labels.js). A plain ES module with JSDoc types, type-checked by tsc (checkJs).

/**
 * @typedef {{ x: number, y: number, width: number, height: number }} Rect
 * @typedef {{ xMin: number, yMin: number, xMax: number, yMax: number }} Box
 * @typedef {{ width: number, height: number }} Size
 * @typedef {{ box: Box, text: string, shortText: string }} LabelRequest
 * @typedef {{ rect: Rect, text: string, textX: number, textY: number, border: number }} PlacedLabel
 */

/**
 * Box colours by ripeness stage: green -> yellow -> brown -> black, in ripening order.
 * Stages are identified by their position in the classifier's class list (the model card
 * lists them in ripening order), so the palette holds no class names.
 */
export const RIPENESS_PALETTE = Object.freeze([
  '#2e7d32',
  '#9bc53d',
  '#fdd835',
  '#d4a017',
  '#8b5a2b',
  '#1c1c1c',
]);

/**
 * The colour of stage `index` among `stageCount` stages (stretched over the palette if the
 * counts differ). @param {number} index @param {number} stageCount @returns {string}
 */
export function stageColour(index, stageCount) {
  const last = RIPENESS_PALETTE.length - 1;
  const position = stageCount <= 1 ? 0 : Math.round((index * last) / (stageCount - 1));
  return RIPENESS_PALETTE[Math.min(last, Math.max(0, position))] ?? '#2e7d32';
}

/** A stage's name as people read it: "very_ripe" -> "very ripe". @param {string} stage */
export function stageText(stage) {
  return stage.replaceAll('_', ' ');
}

const MIN_STROKE = 2;
const STROKE_DIVISOR = 240;
/** Smallest font size of a label, in pixels of the photo: still legible in bold. */
export const MIN_FONT = 10;
const FONT_DIVISOR = 40;
/** Average advance of DejaVu Sans Bold glyphs in ems (rounded up so labels never clip). */
export const AVERAGE_GLYPH_EM = 0.68;
const LINE_HEIGHT_EM = 1.4;
const PADDING_EM = 0.3;
const BASELINE_EM = 0.36;
const BORDER_EM = 1 / 12;
/** Font of the label text; the function's image installs DejaVu. */
export const LABEL_FONT_FAMILY = 'DejaVu Sans, sans-serif';

/** @param {number} value @param {number} min @param {number} max */
function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}

/** Width of a box outline: proportional to the photo's short side, at least 2 px. @param {Size} image */
export function strokeWidthFor(image) {
  return Math.max(MIN_STROKE, Math.round(Math.min(image.width, image.height) / STROKE_DIVISOR));
}

/** Width of the contrasting halo on each side of an outline. @param {number} strokeWidth */
export function haloWidthFor(strokeWidth) {
  return Math.max(1, Math.round(strokeWidth / 2));
}

/** Label font size: proportional to the photo's short side, down to MIN_FONT. @param {Size} image */
export function fontSizeFor(image) {
  return Math.max(MIN_FONT, Math.round(Math.min(image.width, image.height) / FONT_DIVISOR));
}

/**
 * The four bars of a box outline in whole pixels, drawn inside the box (clamped to the
 * image) so that a box touching the border keeps all four sides; thinner for tiny boxes.
 * @param {Box} box @param {Size} image @param {number} strokeWidth
 * @returns {Rect[]}
 */
export function outlineBars(box, image, strokeWidth) {
  const x0 = clamp(Math.round(box.xMin), 0, image.width);
  const y0 = clamp(Math.round(box.yMin), 0, image.height);
  const x1 = clamp(Math.round(box.xMax), 0, image.width);
  const y1 = clamp(Math.round(box.yMax), 0, image.height);
  const width = x1 - x0;
  const height = y1 - y0;
  const sx = Math.min(strokeWidth, Math.ceil(width / 2));
  const sy = Math.min(strokeWidth, Math.ceil(height / 2));
  /** @type {Rect[]} */
  const sides = [
    { x: x0, y: y0, width, height: sy },
    { x: x0, y: y1 - sy, width, height: sy },
    { x: x0, y: y0 + sy, width: sx, height: height - 2 * sy },
    { x: x1 - sx, y: y0 + sy, width: sx, height: height - 2 * sy },
  ];
  return sides.filter((r) => r.width > 0 && r.height > 0);
}

/**
 * A box outline with a halo: `halo` bars (drawn first, in the contrasting colour) reach
 * `haloWidth` beyond both edges of the coloured `fill` bars (drawn over them), so the stage
 * colour stays visible on a banana of the same colour.
 * @param {Box} box @param {Size} image @param {number} strokeWidth
 * @returns {{ halo: Rect[], fill: Rect[] }}
 */
export function outlineWithHalo(box, image, strokeWidth) {
  const h = haloWidthFor(strokeWidth);
  const outer = { xMin: box.xMin - h, yMin: box.yMin - h, xMax: box.xMax + h, yMax: box.yMax + h };
  return {
    halo: outlineBars(outer, image, strokeWidth + 2 * h),
    fill: outlineBars(box, image, strokeWidth),
  };
}

/** @param {string} text @param {number} fontSize */
export function estimateTextWidth(text, fontSize) {
  return Math.ceil(Array.from(text).length * fontSize * AVERAGE_GLYPH_EM);
}

/** "#2" @param {number} number */
export function numberText(number) {
  return `#${number}`;
}

/**
 * "#2 ripe (banana 93%)": the number, the stage, and how sure the detector is that the box
 * holds a banana at all. The stage's own confidence is not on the label: "rotten 88%" drawn on
 * a zucchini reads as "88% sure this is a rotten banana" (it is in the answer's data).
 * @param {number} number @param {string} stageLabel @param {number} detectionConfidence
 */
export function labelText(number, stageLabel, detectionConfidence) {
  return `${numberText(number)} ${stageLabel} (banana ${Math.round(detectionConfidence * 100)}%)`;
}

/** Size of a label's rectangle (text, padding and border) @param {string} text @param {number} fontSize */
export function labelSize(text, fontSize) {
  const padding = Math.round(fontSize * PADDING_EM);
  return {
    width: estimateTextWidth(text, fontSize) + 2 * padding,
    height: Math.round(fontSize * LINE_HEIGHT_EM),
    padding,
  };
}

/** Whether two rectangles share any area (touching edges do not). @param {Rect} a @param {Rect} b */
export function intersects(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** @param {Rect} r @param {Size} image */
function inside(r, image) {
  return r.x >= 0 && r.y >= 0 && r.x + r.width <= image.width && r.y + r.height <= image.height;
}

/**
 * Preferred spots for a label of `width` x `height` next to a box: above it, below it, inside
 * its top and inside its bottom edge; each left-aligned with the box, then right-aligned.
 * @param {Box} box @param {number} width @param {number} height @param {Size} image
 * @returns {Rect[]}
 */
function preferredSpots(box, width, height, image) {
  const x0 = Math.round(box.xMin);
  const y0 = Math.round(box.yMin);
  const x1 = Math.round(box.xMax);
  const y1 = Math.round(box.yMax);
  const xs = [clamp(x0, 0, image.width - width), clamp(x1 - width, 0, image.width - width)];
  const ys = [y0 - height, y1, y0, y1 - height];
  return ys.flatMap((y) => xs.map((x) => ({ x, y, width, height })));
}

/**
 * Every spot in a grid of half-label steps around and over the box, for when the preferred
 * spots are taken: row by row from the top.
 * @param {Box} box @param {number} width @param {number} height @param {Size} image
 * @returns {Rect[]}
 */
function searchSpots(box, width, height, image) {
  const stepX = Math.max(1, Math.ceil(width / 2));
  const stepY = Math.max(1, Math.ceil(height / 2));
  const xFrom = clamp(Math.round(box.xMin) - width, 0, image.width - width);
  const xTo = clamp(Math.round(box.xMax), 0, image.width - width);
  const yFrom = clamp(Math.round(box.yMin) - height, 0, image.height - height);
  const yTo = clamp(Math.round(box.yMax), 0, image.height - height);
  /** @type {Rect[]} */
  const spots = [];
  for (let y = yFrom; y <= yTo; y += stepY) {
    for (let x = xFrom; x <= xTo; x += stepX) spots.push({ x, y, width, height });
  }
  return spots;
}

/**
 * Places one label per box, in order (the first detection gets the first choice), so that no
 * two labels overlap and every label lies inside the image: the full text at a preferred spot
 * (above, below, inside the top or bottom of its box), else the number alone at a preferred
 * spot, else the number alone at the first free spot near the box. `null` for a label with
 * no free spot at all (or an image smaller than the number): its box is still drawn.
 * @param {readonly LabelRequest[]} labels @param {Size} image @param {number} fontSize
 * @returns {(PlacedLabel | null)[]}
 */
export function layoutLabels(labels, image, fontSize) {
  /** @type {Rect[]} */
  const taken = [];
  const border = Math.max(1, Math.round(fontSize * BORDER_EM));
  return labels.map(({ box, text, shortText }) => {
    const full = labelSize(text, fontSize);
    const short = labelSize(shortText, fontSize);
    const attempts = [
      { text, size: full, spots: preferredSpots(box, full.width, full.height, image) },
      {
        text: shortText,
        size: short,
        spots: preferredSpots(box, short.width, short.height, image),
      },
      { text: shortText, size: short, spots: searchSpots(box, short.width, short.height, image) },
    ];
    for (const attempt of attempts) {
      const rect = attempt.spots.find(
        (spot) => inside(spot, image) && !taken.some((other) => intersects(spot, other)),
      );
      if (rect === undefined) continue;
      taken.push(rect);
      return {
        rect,
        text: attempt.text,
        textX: rect.x + attempt.size.padding,
        textY: rect.y + Math.round(rect.height / 2 + fontSize * BASELINE_EM),
        border,
      };
    }
    return null;
  });
}

/** WCAG relative luminance of a `#rrggbb` colour, in [0, 1]. @param {string} hex */
export function relativeLuminance(hex) {
  const [r, g, b] = [1, 3, 5]
    .map((offset) => parseInt(hex.slice(offset, offset + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/**
 * Black or white, whichever contrasts more with the colour: the text on a label, the
 * label's border and the halo around a box outline.
 * @param {string} background
 * @returns {'#000000' | '#ffffff'}
 */
export function contrastingColour(background) {
  const luminance = relativeLuminance(background);
  const contrastWithBlack = (luminance + 0.05) / 0.05;
  const contrastWithWhite = 1.05 / (luminance + 0.05);
  return contrastWithBlack >= contrastWithWhite ? '#000000' : '#ffffff';
}

/**
 * The labels of a photo's detections, numbered #1, #2 … in the order given.
 * @param {readonly { box: Box, stageLabel: string, detectionConfidence: number }[]} detections
 * @param {Size} image
 */
export function layoutDetectionLabels(detections, image) {
  const fontSize = fontSizeFor(image);
  const placed = layoutLabels(
    detections.map(({ box, stageLabel, detectionConfidence }, i) => ({
      box,
      text: labelText(i + 1, stageLabel, detectionConfidence),
      shortText: numberText(i + 1),
    })),
    image,
    fontSize,
  );
  return { fontSize, labels: placed };
}

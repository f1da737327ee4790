import { LABEL_FONT_FAMILY, type PlacedLabel, contrastingColour } from './labels.js';

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

/** The elements of one label in its own coordinates (0, 0 at its top-left corner). */
function labelElements(label: PlacedLabel, colour: string, fontSize: number): string {
  const { x, y, width, height } = label.rect;
  const contrast = contrastingColour(colour);
  const b = label.border;
  return (
    `<rect width="${width}" height="${height}" fill="${contrast}"/>` +
    `<rect x="${b}" y="${b}" width="${width - 2 * b}" height="${height - 2 * b}" fill="${colour}"/>` +
    `<text x="${label.textX - x}" y="${label.textY - y}" fill="${contrast}" ` +
    `font-family="${LABEL_FONT_FAMILY}" font-weight="bold" font-size="${fontSize}">${escapeXml(label.text)}</text>`
  );
}

/**
 * One label as a small SVG the size of its rectangle (local coordinates): a border in black
 * or white (whichever contrasts more with the stage colour), the stage colour inside it and
 * the text in the same contrasting colour.
 */
export function buildLabelSvg(label: PlacedLabel, colour: string, fontSize: number): string {
  const { width, height } = label.rect;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    labelElements(label, colour, fontSize) +
    '</svg>'
  );
}

/** Every label of a photo stacked in one SVG, to be rendered in one call. */
export interface LabelAtlas {
  svg: string;
  width: number;
  height: number;
  /** Row where each label (in the order given) starts in the atlas; its left edge is at 0. */
  tops: number[];
}

/**
 * The labels one below the other in one SVG, each in its own viewport of its rectangle's
 * size (so that it renders exactly as buildLabelSvg alone would, clipped the same).
 */
export function buildLabelAtlas(
  labels: ReadonlyArray<{ label: PlacedLabel; colour: string }>,
  fontSize: number,
): LabelAtlas {
  const width = Math.max(1, ...labels.map(({ label }) => label.rect.width));
  const tops: number[] = [];
  let height = 0;
  const parts = labels.map(({ label, colour }) => {
    tops.push(height);
    const part =
      `<svg x="0" y="${height}" width="${label.rect.width}" height="${label.rect.height}">` +
      labelElements(label, colour, fontSize) +
      '</svg>';
    height += label.rect.height;
    return part;
  });
  height = Math.max(1, height);
  return {
    svg:
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      parts.join('') +
      '</svg>',
    width,
    height,
    tops,
  };
}

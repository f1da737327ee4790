import { LABEL_FONT_FAMILY, type PlacedLabel } from '../../../web/label-layout.js';
import { textColourOn } from './palette.js';

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

/**
 * One label as a small SVG the size of its rectangle (local coordinates): a border in black
 * or white (whichever contrasts more with the stage colour), the stage colour inside it and
 * the text in the same contrasting colour.
 */
export function buildLabelSvg(label: PlacedLabel, colour: string, fontSize: number): string {
  const { x, y, width, height } = label.rect;
  const contrast = textColourOn(colour);
  const b = label.border;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="${contrast}"/>` +
    `<rect x="${b}" y="${b}" width="${width - 2 * b}" height="${height - 2 * b}" fill="${colour}"/>` +
    `<text x="${label.textX - x}" y="${label.textY - y}" fill="${contrast}" ` +
    `font-family="${LABEL_FONT_FAMILY}" font-weight="bold" font-size="${fontSize}">${escapeXml(label.text)}</text>` +
    '</svg>'
  );
}

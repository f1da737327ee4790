import type { LabelLayout } from './geometry.js';
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
 * One label as a small SVG the size of its background (local coordinates): a filled
 * rectangle in the stage colour and the text in black or white, whichever contrasts more.
 */
export function buildLabelSvg(
  layout: LabelLayout,
  text: string,
  colour: string,
  fontSize: number,
): string {
  const { x, y, width, height } = layout.background;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="${colour}"/>` +
    `<text x="${layout.textX - x}" y="${layout.textY - y}" fill="${textColourOn(colour)}" ` +
    `font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${fontSize}">${escapeXml(text)}</text>` +
    '</svg>'
  );
}

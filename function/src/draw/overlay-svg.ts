import type { Box, Size } from '../../../lib/vision/index.js';
import { boxOutline, fontSizeFor, labelLayout, labelText, strokeWidthFor } from './geometry.js';
import { textColourOn } from './palette.js';

export interface Annotation {
  box: Box;
  colour: string;
  stageLabel: string;
  stageConfidence: number;
}

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

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * An SVG the size of the image with one outline and one label per annotation. Outlines are
 * drawn first and labels last, so no outline ever crosses a label.
 */
export function buildOverlaySvg(image: Size, annotations: readonly Annotation[]): string {
  const stroke = strokeWidthFor(image);
  const fontSize = fontSizeFor(image);
  const outlines = annotations.map(({ box, colour }) => {
    const r = boxOutline(box, image, stroke);
    return `<rect x="${round1(r.x)}" y="${round1(r.y)}" width="${round1(r.width)}" height="${round1(r.height)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`;
  });
  const labels = annotations.map(({ box, colour, stageLabel, stageConfidence }) => {
    const text = labelText(stageLabel, stageConfidence);
    const { background: b, textX, textY } = labelLayout(box, text, fontSize, image);
    return (
      `<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="${colour}"/>` +
      `<text x="${textX}" y="${textY}" fill="${textColourOn(colour)}">${escapeXml(text)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}" viewBox="0 0 ${image.width} ${image.height}">` +
    `<g font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${fontSize}">` +
    outlines.join('') +
    labels.join('') +
    '</g></svg>'
  );
}

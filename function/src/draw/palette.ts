/**
 * Box colours by ripeness stage: green -> yellow -> brown -> black, in ripening order.
 * Stages are identified by their position in the classifier's class list (the model card
 * lists them in ripening order), so the palette holds no class names.
 */
export const RIPENESS_PALETTE = [
  '#2e7d32',
  '#9bc53d',
  '#fdd835',
  '#d4a017',
  '#8b5a2b',
  '#1c1c1c',
] as const;

/** The colour of stage `index` among `stageCount` stages (stretched over the palette if the counts differ). */
export function stageColour(index: number, stageCount: number): string {
  const last = RIPENESS_PALETTE.length - 1;
  const position = stageCount <= 1 ? 0 : Math.round((index * last) / (stageCount - 1));
  return RIPENESS_PALETTE[Math.min(last, Math.max(0, position))] ?? RIPENESS_PALETTE[0];
}

/** WCAG relative luminance of a `#rrggbb` colour, in [0, 1]. */
export function relativeLuminance(hex: string): number {
  const channels = [1, 3, 5].map((offset) => parseInt(hex.slice(offset, offset + 2), 16) / 255);
  const [r, g, b] = channels.map((c) =>
    c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  ) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever contrasts more with the background colour. */
export function textColourOn(background: string): '#000000' | '#ffffff' {
  const luminance = relativeLuminance(background);
  const contrastWithBlack = (luminance + 0.05) / 0.05;
  const contrastWithWhite = 1.05 / (luminance + 0.05);
  return contrastWithBlack >= contrastWithWhite ? '#000000' : '#ffffff';
}

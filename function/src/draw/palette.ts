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

/** Black or white, whichever contrasts more with the background colour. */
export { contrastingColour as textColourOn, relativeLuminance } from '../../../web/label-layout.js';

/**
 * Rounds halves to the nearest even integer, like Python's round(): the training code
 * computes letterbox sizes and crop edges with it, and the services must match it.
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Choosing a detector's default confidence from the user's own photos: a photo counts as
 * "found" (with bananas) or "flagged" (without) when its most confident detection reaches the
 * threshold, as the function's answer would hold at least one banana. Pure; main.ts runs the
 * model.
 */

/** Found and false rates at one confidence threshold. */
export interface CalibrationRow {
  confidence: number;
  /** Share of the photos with bananas where at least one is found. */
  found: number;
  /** Share of the photos without bananas where one is found anyway. */
  flagged: number;
}

/** The thresholds the table lists: 0.05 to 0.95 in steps of 0.05. */
export const TABLE_CONFIDENCES = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

/** Lowest threshold calibration chooses: below it nearly every photo has a box. */
export const MIN_CONFIDENCE = 0.01;

const shareAtLeast = (scores: readonly number[], threshold: number) =>
  scores.length === 0 ? 0 : scores.filter((score) => score >= threshold).length / scores.length;

export function rowAt(
  withBananas: readonly number[],
  withoutBananas: readonly number[],
  confidence: number,
): CalibrationRow {
  return {
    confidence,
    found: shareAtLeast(withBananas, confidence),
    flagged: shareAtLeast(withoutBananas, confidence),
  };
}

export function calibrationTable(
  withBananas: readonly number[],
  withoutBananas: readonly number[],
  confidences: readonly number[] = TABLE_CONFIDENCES,
): CalibrationRow[] {
  return confidences.map((c) => rowAt(withBananas, withoutBananas, c));
}

/**
 * The highest threshold (rounded down to 0.001) at which at least `targetFound` of the photos
 * with bananas are found: every photo without bananas it can still drop, it drops. Undefined
 * when not even MIN_CONFIDENCE finds that many.
 */
export function chooseConfidence(
  withBananas: readonly number[],
  targetFound: number,
): number | undefined {
  if (withBananas.length === 0) return undefined;
  const sorted = [...withBananas].sort((a, b) => b - a);
  const needed = Math.ceil(targetFound * sorted.length - 1e-9);
  const score = sorted[Math.max(needed, 1) - 1] ?? 0;
  const confidence = Math.floor(score * 1000) / 1000;
  return confidence >= MIN_CONFIDENCE ? confidence : undefined;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`.padStart(7);

/** The table as printed: one line per threshold, the chosen and the current one marked. */
export function formatTable(
  rows: readonly CalibrationRow[],
  marks: ReadonlyMap<number, string>,
): string {
  const lines = ['confidence    found  flagged'];
  for (const row of rows) {
    const mark = marks.get(row.confidence);
    lines.push(
      `${row.confidence.toFixed(3).padStart(10)}  ${percent(row.found)}  ${percent(row.flagged)}${mark ? `  <- ${mark}` : ''}`,
    );
  }
  return lines.join('\n');
}

/**
 * Metrics of the real-world report (`npm run eval -- --realworld DIR`): count error, coarse
 * ripeness, and the continuous ripeness index with its rank correlation against the stages.
 */

/** Photos with at least this many labelled bananas count as bunches / crates. */
export const BUNCH_MIN_BANANAS = 5;

export const COARSE_RIPENESS = ['unripe', 'fresh', 'rotten'] as const;
export type CoarseRipeness = (typeof COARSE_RIPENESS)[number];

/**
 * The six stages folded into the three coarse classes of web ripeness sets: underripe and
 * barely ripe are unripe (green), ripe and very ripe are fresh (yellow, flecks at most),
 * overripe and rotten are rotten (brown or black).
 */
const STAGE_TO_COARSE: Record<string, CoarseRipeness> = {
  underripe: 'unripe',
  barely_ripe: 'unripe',
  ripe: 'fresh',
  very_ripe: 'fresh',
  overripe: 'rotten',
  rotten: 'rotten',
};

export function isCoarseRipeness(value: string): value is CoarseRipeness {
  return (COARSE_RIPENESS as readonly string[]).includes(value);
}

/**
 * A photo's coarse ripeness from its bananas' stage probabilities (one row per banana, classes
 * in card order): the coarse class with the highest mean probability. Classes outside the six
 * stages (a rejection class) are ignored.
 */
export function photoCoarseRipeness(
  rows: readonly (readonly number[])[],
  classes: readonly string[],
): CoarseRipeness | undefined {
  if (rows.length === 0) return undefined;
  const sums = new Map<CoarseRipeness, number>(COARSE_RIPENESS.map((c) => [c, 0]));
  for (const row of rows) {
    row.forEach((p, i) => {
      const coarse = STAGE_TO_COARSE[classes[i] ?? ''];
      if (coarse) sums.set(coarse, (sums.get(coarse) ?? 0) + p);
    });
  }
  let best: CoarseRipeness = 'unripe';
  for (const c of COARSE_RIPENESS) if ((sums.get(c) ?? 0) > (sums.get(best) ?? 0)) best = c;
  return best;
}

/**
 * The continuous ripeness index of one banana: the expected stage sum_k k * p_k over the six
 * stage probabilities (0 = underripe ... 5 = rotten), renormalised over the stages when the
 * classifier has further classes.
 */
export function ripenessIndex(probabilities: readonly number[], stageCount = 6): number {
  let mass = 0;
  let expected = 0;
  for (let k = 0; k < stageCount; k += 1) {
    const p = probabilities[k] ?? 0;
    mass += p;
    expected += k * p;
  }
  return mass > 0 ? expected / mass : 0;
}

/** Ranks from 1, ties given the mean of the ranks they span. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.[0] === order[start]?.[0]) end += 1;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k += 1) out[order[k]?.[1] ?? 0] = rank;
    start = end + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson correlation of the tie-averaged ranks). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2)
    throw new RangeError('spearman needs two equal series of 2+');
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  ra.forEach((x, i) => {
    const y = rb[i] ?? 0;
    cov += (x - mean) * (y - mean);
    va += (x - mean) ** 2;
    vb += (y - mean) ** 2;
  });
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/**
 * Detector confidences at which the real-world report also gives the share of photos with a
 * box: two detectors are compared at an equal found rate on banana photos, not only at their
 * own card thresholds (a detector that scores everything lower looks cleaner at a fixed one).
 */
export const CURVE_CONFIDENCES = [0.3, 0.4, 0.5, 0.6, 0.7] as const;

/** Share of photos whose highest detector score is >= each confidence, keyed "0.30" etc. */
export function shareAtConfidences(
  maxScores: readonly number[],
  confidences: readonly number[] = CURVE_CONFIDENCES,
): Record<string, number> {
  return Object.fromEntries(
    confidences.map((c) => [
      c.toFixed(2),
      maxScores.length ? maxScores.filter((s) => s >= c).length / maxScores.length : 0,
    ]),
  );
}

export interface CountPair {
  predicted: number;
  truth: number;
}

export interface CountReport {
  /** Mean over photos of |predicted - true| / true. */
  count_error: number;
  photos: number;
  /** The same over photos with >= BUNCH_MIN_BANANAS labelled bananas. */
  count_error_bunches: number | null;
  bunch_photos: number;
  /** Mean signed (predicted - true) / true: below 0 when bananas are missed or merged. */
  count_bias: number;
}

export function countReport(
  pairs: readonly CountPair[],
  bunchMin = BUNCH_MIN_BANANAS,
): CountReport {
  const labelled = pairs.filter((p) => p.truth > 0);
  const relative = (p: CountPair) => Math.abs(p.predicted - p.truth) / p.truth;
  const mean = (xs: readonly number[]) =>
    xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0;
  const bunches = labelled.filter((p) => p.truth >= bunchMin);
  return {
    count_error: mean(labelled.map(relative)),
    photos: labelled.length,
    count_error_bunches: bunches.length ? mean(bunches.map(relative)) : null,
    bunch_photos: bunches.length,
    count_bias: mean(labelled.map((p) => (p.predicted - p.truth) / p.truth)),
  };
}

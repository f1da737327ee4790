/** Numerically stable softmax (shifts by the maximum before exponentiating). */
export function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((total, e) => total + e, 0);
  return exps.map((e) => e / sum);
}

/**
 * The ripeness index of one banana: its expected stage under the classifier's probabilities,
 * Σ k·p_k over the stages in ripening order (0 = the first stage, underripe … stages − 1 =
 * the last, rotten), normalised by Σ p_k. A continuous score between the stages that orders
 * bananas by ripeness; it is not a calibrated measurement of anything physical.
 */
export function ripenessIndex(stageProbabilities: readonly number[]): number {
  let weighted = 0;
  let total = 0;
  stageProbabilities.forEach((p, stage) => {
    weighted += stage * p;
    total += p;
  });
  return total > 0 ? weighted / total : 0;
}

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

export interface ClassProbabilities {
  /** Index of the most probable class (the first one on ties). */
  index: number;
  /** Probability of that class. */
  confidence: number;
  /** Softmax over all classes, in model-card order. */
  probabilities: number[];
}

/** Splits [N, classes] logits into per-row softmax probabilities and the winning class. */
export function logitsToClassProbabilities(
  logits: Float32Array,
  classCount: number,
): ClassProbabilities[] {
  if (classCount < 1 || logits.length % classCount !== 0) {
    throw new RangeError(
      `classifier output has ${logits.length} values, not a multiple of ${classCount}`,
    );
  }
  const results: ClassProbabilities[] = [];
  for (let row = 0; row < logits.length; row += classCount) {
    const probabilities = softmax(logits.subarray(row, row + classCount));
    let index = 0;
    probabilities.forEach((p, i) => {
      if (p > (probabilities[index] ?? -Infinity)) index = i;
    });
    results.push({ index, confidence: probabilities[index] ?? 0, probabilities });
  }
  return results;
}

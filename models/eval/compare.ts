/** Compares measured metrics with the numbers recorded in a model card's `metrics.val`. */
export interface DetectorMetrics {
  precision: number;
  recall: number;
  map50: number;
  map50_95: number;
  duplicate_rate: number;
  images: number;
  /** Only with --negatives: fraction of photos without bananas that get any detection. */
  negative_rate?: number;
  negative_images?: number;
}

export interface ClassifierMetrics {
  top1: number;
  within_one_stage: number;
  /** Spearman correlation of the expected stage (sum k p_k) with the val crops' stages. */
  ripeness_index_spearman?: number;
  crops: number;
  confusion_matrix: number[][];
}

/** The metrics a drop in which fails CI (higher is better for each). */
const CHECKED: Record<string, readonly string[]> = {
  detector: ['precision', 'recall', 'map50', 'map50_95'],
  classifier: ['top1', 'within_one_stage'],
};

/** Lower is better: a rise fails CI, checked when both the card and the run have the number. */
const CHECKED_LOWER: Record<string, readonly string[]> = {
  detector: ['duplicate_rate', 'negative_rate'],
};

function numberAt(record: unknown, key: string): number | undefined {
  const value = (record as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' ? value : undefined;
}

/** One message per metric below card value - tolerance, or missing from the card or the run. */
export function compareWithCard(
  model: string,
  measured: object,
  card: Record<string, unknown>,
  tolerance: number,
): string[] {
  const recorded = (card.metrics as { val?: unknown } | undefined)?.val;
  const failures: string[] = [];
  for (const key of CHECKED[model] ?? []) {
    const expected = numberAt(recorded, key);
    const got = numberAt(measured, key);
    if (expected === undefined)
      failures.push(`${model}.metrics.val.${key} is missing from the model card`);
    else if (got === undefined) failures.push(`${model} ${key} was not measured`);
    else if (got < expected - tolerance) {
      failures.push(
        `${model} ${key} ${got.toFixed(4)} < card ${expected.toFixed(4)} - ${tolerance}`,
      );
    }
  }
  for (const key of CHECKED_LOWER[model] ?? []) {
    const expected = numberAt(recorded, key);
    const got = numberAt(measured, key);
    if (expected !== undefined && got !== undefined && got > expected + tolerance) {
      failures.push(
        `${model} ${key} ${got.toFixed(4)} > card ${expected.toFixed(4)} + ${tolerance}`,
      );
    }
  }
  return failures;
}

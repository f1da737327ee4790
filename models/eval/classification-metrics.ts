/** Top-1, within-one-stage accuracy and the confusion matrix (rows = truth, columns = prediction). */
export interface ClassificationReport {
  top1: number;
  withinOneStage: number;
  confusion: number[][];
}

export function classificationReport(
  truth: readonly number[],
  predicted: readonly number[],
  classCount: number,
): ClassificationReport {
  if (truth.length !== predicted.length)
    throw new RangeError('truth and predictions differ in length');
  const confusion = Array.from({ length: classCount }, (_, row) =>
    Array.from(
      { length: classCount },
      (_, column) => truth.filter((t, i) => t === row && predicted[i] === column).length,
    ),
  );
  const n = truth.length || 1;
  const exact = truth.filter((t, i) => t === predicted[i]).length;
  const near = truth.filter((t, i) => Math.abs(t - (predicted[i] ?? Infinity)) <= 1).length;
  return { top1: exact / n, withinOneStage: near / n, confusion };
}

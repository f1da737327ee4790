/** Compares measured metrics with the numbers recorded in the model cards' `metrics` field. */
export interface EvalMetrics {
  detector: { precision: number; recall: number; map50: number; map50_95: number; images: number };
  classifier: { top1: number; within_one_stage: number; crops: number; confusion_matrix: number[][] };
}

type DetectorKey = 'precision' | 'recall' | 'map50' | 'map50_95';
type ClassifierKey = 'top1' | 'within_one_stage';

function checkedValues(measured: EvalMetrics) {
  const detector: DetectorKey[] = ['precision', 'recall', 'map50', 'map50_95'];
  const classifier: ClassifierKey[] = ['top1', 'within_one_stage'];
  return [
    ...detector.map((key) => ({ model: 'detector' as const, key, got: measured.detector[key] })),
    ...classifier.map((key) => ({ model: 'classifier' as const, key, got: measured.classifier[key] })),
  ];
}

function recorded(card: unknown, key: string): number | undefined {
  const metrics = (card as { metrics?: { val?: Record<string, unknown> } }).metrics?.val;
  const value = metrics?.[key];
  return typeof value === 'number' ? value : undefined;
}

/** One message per metric below card value - tolerance, or missing from the card. */
export function compareWithCards(
  measured: EvalMetrics,
  cards: { detector: unknown; classifier: unknown },
  tolerance: number,
): string[] {
  const failures: string[] = [];
  for (const { model, key, got } of checkedValues(measured)) {
    const expected = recorded(cards[model], key);
    if (expected === undefined) failures.push(`${model}.metrics.val.${key} is missing from the model card`);
    else if (got < expected - tolerance) {
      failures.push(`${model} ${key} ${got.toFixed(4)} < card ${expected.toFixed(4)} - ${tolerance}`);
    }
  }
  return failures;
}

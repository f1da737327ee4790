/** The parts of the function's JSON answer that the CLI prints. */
export interface ClassifyAnswer {
  detections: Array<{
    box: { x_min: number; y_min: number; x_max: number; y_max: number };
    confidence: number;
    stage: string;
    stage_confidence: number;
    ripeness_index: number;
  }>;
  summary: Record<string, number>;
  image: { width: number; height: number };
  timings_ms: Record<string, number>;
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A plain-text report: one row per banana, then the per-stage counts and the timings. */
export function formatAnswer(answer: ClassifyAnswer): string {
  const count = answer.detections.length;
  const header = `${count} ${count === 1 ? 'banana' : 'bananas'} in a ${answer.image.width}x${answer.image.height} photo`;
  const rows = answer.detections.map((d, i) => [
    String(i + 1),
    d.stage,
    percent(d.stage_confidence),
    d.ripeness_index.toFixed(2),
    percent(d.confidence),
    [d.box.x_min, d.box.y_min, d.box.x_max, d.box.y_max].map((v) => Math.round(v)).join(','),
  ]);
  const detections =
    count === 0
      ? ''
      : `\n\n${table([['#', 'stage', 'stage conf', 'index', 'detection conf', 'box (x0,y0,x1,y1)'], ...rows])}`;
  const summary = Object.entries(answer.summary)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  const timings = Object.entries(answer.timings_ms)
    .map(([stage, ms]) => `${stage} ${ms.toFixed(0)} ms`)
    .join(', ');
  return `${header}${detections}\n\nper stage: ${summary}\ntimings:   ${timings}`;
}

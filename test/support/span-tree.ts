import { OTLP_SPAN_KIND, type ReceivedSpan } from './otlp-receiver.js';

/** The spans of one trace as an indented tree: `service kind name {attributes}`. */
export function spanTree(spans: ReceivedSpan[]): string {
  const kinds = Object.fromEntries(Object.entries(OTLP_SPAN_KIND).map(([k, v]) => [v, k]));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const parent =
      span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      const batch = span.attributes['inference.batch_size'];
      lines.push(
        `${'  '.repeat(depth)}${span.serviceName} ${kinds[span.kind] ?? span.kind} ${span.name}` +
          `${batch === undefined ? '' : ` batch_size=${String(batch)}`} ${span.durationMs.toFixed(1)} ms`,
      );
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

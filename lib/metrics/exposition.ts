import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

/** A registered metric object; prom-client's typings leave out its `name` field. */
type NamedMetric = Metric & { name: string };

export interface Exposition {
  contentType: string;
  body: string;
}

const OPENMETRICS = 'application/openmetrics-text';

/** The q value of each media range in an Accept header (`type/subtype` lowercased). */
function mediaRanges(accept: string): Map<string, number> {
  const ranges = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim());
    if (range === '') continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((piece) => piece.trim());
      if (name?.toLowerCase() === 'q') q = Number(value);
    }
    if (!Number.isFinite(q)) continue;
    const key = range.toLowerCase();
    ranges.set(key, Math.max(q, ranges.get(key) ?? 0));
  }
  return ranges;
}

/**
 * True when an Accept header prefers OpenMetrics (as Prometheus sends it) over the
 * Prometheus text format; no header, `*\/*` or a plain text request get the text format.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = mediaRanges(accept);
  const openMetrics = ranges.get(OPENMETRICS) ?? 0;
  const text = Math.max(ranges.get('text/plain') ?? 0, ranges.get('text/*') ?? 0);
  return openMetrics > 0 && openMetrics > text;
}

const rendering = new WeakMap<Registry, Promise<unknown>>();

/** Runs renders of one registry one after the other (an OpenMetrics render mutates metrics). */
function serialised<T>(registry: Registry, render: () => Promise<T>): Promise<T> {
  const previous = rendering.get(registry) ?? Promise.resolve();
  const next = previous.then(render, render);
  rendering.set(
    registry,
    next.catch(() => undefined),
  );
  return next;
}

async function renderOpenMetrics(registry: Registry): Promise<string> {
  // The objects in the array are the registered metrics themselves.
  const metrics = registry.getMetricsAsArray() as unknown as NamedMetric[];
  // prom-client strips `_total` from counter names in place while rendering OpenMetrics;
  // the names are put back so later Prometheus-text renders keep them.
  const names = metrics.map((metric) => [metric, metric.name] as const);
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of metrics) openMetrics.registerMetric(metric);
  try {
    return await openMetrics.metrics();
  } finally {
    for (const [metric, name] of names) metric.name = name;
  }
}

/**
 * The registry's exposition for a scraper's Accept header: OpenMetrics (with exemplars)
 * when preferred, else the Prometheus text format (exemplars omitted).
 */
export function renderMetrics(registry: Registry, accept: string | undefined): Promise<Exposition> {
  return serialised(registry, async () =>
    prefersOpenMetrics(accept)
      ? { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await renderOpenMetrics(registry) }
      : { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await registry.metrics() },
  );
}

// The function's metrics as Prometheus reads them (the exposition text), checked against the
// names, types and labels of docs/CONTRACT.md written out here, not against the lists that
// metrics.ts builds them from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { observeWithTrace } from '../../lib/metrics/index.js';
import { createFunctionMetrics } from './metrics.js';

/** docs/CONTRACT.md, "Function metrics". */
const CONTRACT = {
  banana_function_requests_total: 'counter',
  banana_function_request_duration_seconds: 'histogram',
  banana_function_stage_duration_seconds: 'histogram',
  banana_function_bananas_per_request: 'histogram',
  banana_function_upstream_errors_total: 'counter',
  banana_function_shed_total: 'counter',
};

function types(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

/** The value of one exposition line `series value` (series with its labels, as written). */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('function metrics', () => {
  it('are the contract metrics, with their types, and no others', async () => {
    const registry = new Registry();
    createFunctionMetrics(registry);
    assert.deepEqual(types(await registry.metrics()), CONTRACT);
  });

  it('have the series that alerts and dashboards read at zero before any request', async () => {
    const registry = new Registry();
    createFunctionMetrics(registry);
    const text = await registry.metrics();
    for (const code of ['200', '400', '413', '415', '422', '429', '500', '502', '503', '504'])
      assert.equal(valueOf(text, `banana_function_requests_total{code="${code}"}`), 0, code);
    for (const stage of ['parse', 'detect', 'classify', 'draw', 'encode'])
      assert.equal(
        valueOf(text, `banana_function_stage_duration_seconds_count{stage="${stage}"}`),
        0,
        stage,
      );
    for (const reason of ['queue_full', 'wait_timeout'])
      assert.equal(valueOf(text, `banana_function_shed_total{reason="${reason}"}`), 0, reason);
  });

  it('show what was observed, under the contract labels', async () => {
    const registry = new Registry();
    const metrics = createFunctionMetrics(registry);
    metrics.requests.inc({ code: '200' });
    metrics.requests.inc({ code: '200' });
    metrics.requests.inc({ code: '499' });
    observeWithTrace(metrics.requestDuration, {}, 0.3);
    observeWithTrace(metrics.stageDuration, { stage: 'detect' }, 0.02);
    metrics.bananasPerRequest.observe(3);
    metrics.bananasPerRequest.observe(0);
    metrics.upstreamErrors.inc({ service: 'classifier', code: 'DEADLINE_EXCEEDED' });
    metrics.shed.inc({ reason: 'queue_full' });
    const text = await registry.metrics();
    const expected: Array<[string, number]> = [
      ['banana_function_requests_total{code="200"}', 2],
      ['banana_function_requests_total{code="499"}', 1],
      ['banana_function_request_duration_seconds_count', 1],
      ['banana_function_request_duration_seconds_sum', 0.3],
      ['banana_function_request_duration_seconds_bucket{le="0.25"}', 0],
      ['banana_function_request_duration_seconds_bucket{le="0.5"}', 1],
      ['banana_function_stage_duration_seconds_count{stage="detect"}', 1],
      ['banana_function_stage_duration_seconds_bucket{le="0.01",stage="detect"}', 0],
      ['banana_function_stage_duration_seconds_bucket{le="0.025",stage="detect"}', 1],
      ['banana_function_bananas_per_request_count', 2],
      ['banana_function_bananas_per_request_sum', 3],
      ['banana_function_bananas_per_request_bucket{le="0"}', 1],
      ['banana_function_bananas_per_request_bucket{le="2"}', 1],
      ['banana_function_bananas_per_request_bucket{le="3"}', 2],
      ['banana_function_upstream_errors_total{service="classifier",code="DEADLINE_EXCEEDED"}', 1],
      ['banana_function_shed_total{reason="queue_full"}', 1],
      ['banana_function_shed_total{reason="wait_timeout"}', 0],
    ];
    for (const [series, value] of expected) assert.equal(valueOf(text, series), value, series);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createFunctionMetrics, PIPELINE_STAGES, PRESET_STATUS_CODES } from './metrics.js';

describe('function metrics', () => {
  it('has the common status codes and every pipeline stage at zero before any request', async () => {
    const registry = new Registry();
    createFunctionMetrics(registry);
    const text = await registry.metrics();
    for (const code of PRESET_STATUS_CODES)
      assert.ok(
        text.includes(`banana_function_requests_total{code="${String(code)}"} 0`),
        String(code),
      );
    for (const stage of PIPELINE_STAGES)
      assert.ok(
        text.includes(`banana_function_stage_duration_seconds_count{stage="${stage}"} 0`),
        stage,
      );
  });

  it('counts on top of the preset zero', async () => {
    const registry = new Registry();
    const metrics = createFunctionMetrics(registry);
    metrics.requests.inc({ code: '200' });
    metrics.requests.inc({ code: '429' });
    const text = await registry.metrics();
    assert.ok(text.includes('banana_function_requests_total{code="200"} 1'));
    assert.ok(text.includes('banana_function_requests_total{code="429"} 1'));
  });
});

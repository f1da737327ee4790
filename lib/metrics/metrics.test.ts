import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMetricsServer } from './metrics-server.js';
import { createModelServiceMetrics } from './model-service-metrics.js';
import { createMetricsRegistry } from './registry.js';

const labels = { service: 'detector', model: 'banana-detector', version: '1.2.3' };

describe('model service metrics', () => {
  it('times sync and async work, also when it fails', async () => {
    const metrics = createModelServiceMetrics(createMetricsRegistry(), labels);
    assert.equal(
      metrics.time('decode', () => 7),
      7,
    );
    assert.equal(await metrics.time('preprocess', () => Promise.resolve(8)), 8);
    assert.throws(
      () =>
        metrics.time('postprocess', () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    await assert.rejects(
      metrics.time('inference', () => Promise.reject(new Error('late boom'))),
      /late boom/,
    );
    const text = await metrics.registry.metrics();
    for (const stage of ['decode', 'preprocess', 'postprocess', 'inference']) {
      assert.match(
        text,
        new RegExp(
          `banana_inference_stage_duration_seconds_count\\{service="detector",model="banana-detector",version="1.2.3",stage="${stage}"\\} 1`,
        ),
      );
    }
  });

  it('has every stage, the batch size and each preset method at zero before any request', async () => {
    const metrics = createModelServiceMetrics(createMetricsRegistry(), labels);
    metrics.presetMethod('Detect');
    const text = await metrics.registry.metrics();
    const model = 'service="detector",model="banana-detector",version="1.2.3"';
    for (const stage of ['decode', 'preprocess', 'queue', 'inference', 'postprocess'])
      assert.ok(
        text.includes(`banana_inference_stage_duration_seconds_count{${model},stage="${stage}"} 0`),
        stage,
      );
    assert.ok(text.includes(`banana_inference_batch_size_count{${model}} 0`));
    assert.ok(
      text.includes('banana_grpc_requests_total{service="detector",method="Detect",code="OK"} 0'),
    );
    assert.ok(
      text.includes(
        'banana_grpc_request_duration_seconds_count{service="detector",method="Detect"} 0',
      ),
    );
  });

  it('reads queue depth, capacity and in-flight from the watched pool at scrape time', async () => {
    const metrics = createModelServiceMetrics(createMetricsRegistry(), labels);
    metrics.watchLoad({ queueDepth: 3, queueCapacity: 16, inFlight: 2 });
    const text = await metrics.registry.metrics();
    assert.match(text, /banana_inference_queue_depth\{service="detector"\} 3/);
    assert.match(text, /banana_inference_queue_capacity\{service="detector"\} 16/);
    assert.match(text, /banana_inference_in_flight\{service="detector"\} 2/);
    assert.match(
      text,
      /banana_model_info\{service="detector",model="banana-detector",version="1.2.3"\} 1/,
    );
  });
});

describe('metrics server', () => {
  it('serves /metrics and /healthz, 404 elsewhere', async () => {
    let healthy = false;
    const registry = createMetricsRegistry();
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      isHealthy: () => healthy,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 503);
      healthy = true;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(await metrics.text(), /nodejs_heap_size_total_bytes/);
      assert.equal((await fetch(`${base}/other`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });
});

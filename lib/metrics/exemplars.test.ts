import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { initTracing, withSpan, type Tracing } from '../tracing/index.js';
import {
  createExemplarHistogram,
  createMetricsRegistry,
  createModelServiceMetrics,
  observeWithTrace,
  prefersOpenMetrics,
  renderMetrics,
  startMetricsServer,
} from './index.js';

const labels = { service: 'detector', model: 'banana-detector', version: '1.2.3' };
const OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const TRACE_ID = /[0-9a-f]{32}/;

describe('prefersOpenMetrics', () => {
  it('follows the q values of the Accept header', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['*/*', false],
      ['text/plain', false],
      ['text/plain;version=0.0.4;q=0.5,*/*;q=0.1', false],
      // Prometheus 2.x
      [OPENMETRICS_ACCEPT, true],
      // Prometheus 3.x default scrape protocols
      [
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
        true,
      ],
      ['Application/OpenMetrics-Text', true],
      ['application/openmetrics-text;q=0, text/plain', false],
      ['application/openmetrics-text;q=0.3, text/*;q=0.5', false],
    ];
    for (const [accept, expected] of cases)
      assert.equal(prefersOpenMetrics(accept), expected, accept);
  });
});

describe('exemplars', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  before(async () => {
    receiver = await startOtlpReceiver();
    tracing = await initTracing('banana-detector', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
  });
  after(async () => {
    await tracing.shutdown();
    await receiver.close();
  });

  it('puts the trace id of a traced observation on its bucket, in OpenMetrics only', async () => {
    const metrics = createModelServiceMetrics(createMetricsRegistry(), labels);
    metrics.recordRequest('Detect', 'OK', 0.2); // outside any span: no exemplar
    const traceId = await withSpan('Detect', {}, async (span) => {
      metrics.recordRequest('Detect', 'OK', 0.007);
      await metrics.time('inference', () => Promise.resolve());
      return span.spanContext().traceId;
    });

    const open = await renderMetrics(metrics.registry, OPENMETRICS_ACCEPT);
    assert.match(open.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(open.body.endsWith('# EOF\n'));
    const bucket = open.body
      .split('\n')
      .find((line) =>
        line.startsWith('banana_grpc_request_duration_seconds_bucket{le="0.01",service="detector"'),
      );
    assert.match(
      bucket ?? '',
      new RegExp(`\\} 1 # \\{trace_id="${traceId}"\\} 0\\.007 \\d+(\\.\\d+)?$`),
    );
    const exemplarLines = open.body.split('\n').filter((line) => line.includes('# {trace_id='));
    // One request bucket and one inference-stage bucket; the untraced 0.2 s request has none.
    assert.equal(exemplarLines.length, 2);
    assert.ok(exemplarLines.every((line) => line.includes(`trace_id="${traceId}"`)));
    assert.ok(
      exemplarLines.some((line) =>
        line.startsWith('banana_inference_stage_duration_seconds_bucket{le="0.001"'),
      ),
    );
    assert.ok(open.body.includes('# TYPE banana_grpc_requests counter\n'));
    assert.ok(
      open.body.includes(
        'banana_grpc_requests_total{service="detector",method="Detect",code="OK"} 2',
      ),
    );

    const text = await renderMetrics(metrics.registry, '*/*');
    assert.match(text.contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(TRACE_ID.test(text.body), false);
    assert.equal(text.body.includes('# EOF'), false);
    // The OpenMetrics render before must not have renamed the counters.
    assert.ok(text.body.includes('# TYPE banana_grpc_requests_total counter\n'));
    assert.ok(
      text.body.includes(
        'banana_grpc_requests_total{service="detector",method="Detect",code="OK"} 2',
      ),
    );
  });

  it('keeps counter names in text renders that run concurrently with OpenMetrics ones', async () => {
    const registry = createMetricsRegistry();
    createModelServiceMetrics(registry, labels).presetMethod('Detect');
    const renders = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        renderMetrics(registry, i % 2 === 0 ? OPENMETRICS_ACCEPT : undefined),
      ),
    );
    for (const [i, { body }] of renders.entries()) {
      assert.ok(
        body.includes('banana_grpc_requests_total{service="detector",method="Detect",code="OK"} 0'),
        String(i),
      );
      assert.equal(body.includes('# TYPE banana_grpc_requests counter'), i % 2 === 0, String(i));
    }
  });

  it('adds no exemplar for a trace that is not sampled', async () => {
    const registry = createMetricsRegistry();
    const histogram = createExemplarHistogram(registry, {
      name: 'test_duration_seconds',
      help: 'test',
      buckets: [1],
    });
    // A caller that did not sample its trace: the parent-based sampler follows it.
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    withSpan(
      'Detect',
      {},
      (span) => {
        assert.equal(span.isRecording(), false);
        observeWithTrace(histogram, {}, 0.5);
      },
      { parent },
    );
    const { body } = await renderMetrics(registry, OPENMETRICS_ACCEPT);
    assert.ok(body.includes('test_duration_seconds_bucket{le="1"} 1\n'));
    assert.equal(body.includes('trace_id'), false);
  });

  it('is served by the metrics server according to Accept', async () => {
    const metrics = createModelServiceMetrics(createMetricsRegistry(), labels);
    withSpan('Detect', {}, () => {
      metrics.recordRequest('Detect', 'OK', 0.03);
    });
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      isHealthy: () => true,
    });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const open = await fetch(url, { headers: { accept: OPENMETRICS_ACCEPT } });
      assert.match(open.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
      const body = await open.text();
      assert.match(
        body,
        /banana_grpc_request_duration_seconds_bucket\{le="0\.05".* # \{trace_id="[0-9a-f]{32}"\} 0\.03 /,
      );
      const text = await fetch(url);
      assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal((await text.text()).includes('trace_id'), false);
    } finally {
      await server.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import {
  OTLP_SPAN_KIND,
  OTLP_STATUS,
  startOtlpReceiver,
  type OtlpReceiver,
} from '../../test/support/otlp-receiver.js';
import {
  currentTraceId,
  initTracing,
  recordSpan,
  sampledTraceId,
  traceLogFields,
  TRACER_NAME,
  withSpan,
} from './index.js';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

function exportingEnv(protocol: string, extra: Record<string, string> = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    ...extra,
  };
}

/** A request span with two stage children, the second failing; returns the trace id. */
async function tracedRequest(): Promise<string> {
  return withSpan('request', { 'request.kind': 'test' }, async (span) => {
    await withSpan('parse', {}, () => sleep(1));
    await assert.rejects(
      withSpan('detect', { 'banana.count': 3 }, () => Promise.reject(new Error('model down'))),
      /model down/,
    );
    assert.equal(currentTraceId(), span.spanContext().traceId);
    return span.spanContext().traceId;
  });
}

for (const protocol of ['http/protobuf', 'http/json']) {
  describe(`export over OTLP ${protocol}`, () => {
    it('sends the spans with service.name and parent/child links', async () => {
      const tracing = await initTracing('banana-detector', exportingEnv(protocol));
      try {
        assert.equal(tracing.config.enabled, true);
        const traceId = await tracedRequest();
        await tracing.flush();
        const spans = (
          await receiver.waitForSpans(
            (all) => all.filter((span) => span.traceId === traceId).length === 3,
          )
        ).filter((span) => span.traceId === traceId);
        const byName = new Map(spans.map((span) => [span.name, span]));
        const root = byName.get('request');
        assert.ok(root);
        assert.equal(root.parentSpanId, undefined);
        assert.equal(root.serviceName, 'banana-detector');
        assert.equal(root.scope, TRACER_NAME);
        assert.equal(root.kind, OTLP_SPAN_KIND.INTERNAL);
        assert.equal(root.attributes['request.kind'], 'test');
        assert.equal(byName.get('parse')?.parentSpanId, root.spanId);
        const detect = byName.get('detect');
        assert.equal(detect?.parentSpanId, root.spanId);
        assert.equal(detect.attributes['banana.count'], 3);
        assert.equal(detect.statusCode, OTLP_STATUS.ERROR);
        assert.equal(byName.get('parse')?.statusCode, OTLP_STATUS.UNSET);
        const request = receiver.requests.at(-1);
        assert.equal(
          request?.contentType,
          protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
        );
      } finally {
        await tracing.shutdown();
      }
    });
  });
}

describe('a collector that refuses the spans', () => {
  it('reports the failed export to the given logger; flush and shutdown still resolve', async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'text/plain' }).end('no'));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const messages: string[] = [];
    const logger = {
      warn: (message: string) => messages.push(message),
      error: (message: string) => messages.push(message),
    };
    const tracing = await initTracing(
      'banana-function',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
      },
      logger,
    );
    try {
      withSpan('lost', {}, () => undefined);
      await tracing.flush();
      assert.ok(
        messages.some((message) =>
          /^opentelemetry: span export failed: .*Bad Request \(400\)$/.test(message),
        ),
        messages.join('\n'),
      );
    } finally {
      await tracing.shutdown();
      refusing.close();
    }
  });
});

describe('spans timed elsewhere', () => {
  it('records a child span with the given start and end', async () => {
    const tracing = await initTracing('banana-detector', exportingEnv('http/json'));
    try {
      const queuedAt = performance.now() - 30;
      const dispatchedAt = queuedAt + 12.5;
      const traceId = withSpan('Detect', {}, (span) => {
        recordSpan('queue', {}, queuedAt, dispatchedAt);
        recordSpan('inference', { 'inference.batch_size': 4 }, dispatchedAt, dispatchedAt + 8);
        return span.spanContext().traceId;
      });
      await tracing.flush();
      const spans = (
        await receiver.waitForSpans(
          (all) => all.filter((span) => span.traceId === traceId).length === 3,
        )
      ).filter((span) => span.traceId === traceId);
      const parent = spans.find((span) => span.name === 'Detect');
      const queue = spans.find((span) => span.name === 'queue');
      const inference = spans.find((span) => span.name === 'inference');
      assert.ok(parent && queue && inference);
      assert.equal(queue.parentSpanId, parent.spanId);
      assert.equal(inference.parentSpanId, parent.spanId);
      assert.equal(inference.attributes['inference.batch_size'], 4);
      assert.ok(Math.abs(queue.durationMs - 12.5) < 0.01, String(queue.durationMs));
      assert.ok(Math.abs(inference.durationMs - 8) < 0.01, String(inference.durationMs));
      assert.ok(Math.abs(inference.startMs - queue.endMs) < 0.01);
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('sampling and service name', () => {
  it('uses OTEL_SERVICE_NAME over the default', async () => {
    const tracing = await initTracing(
      'banana-classifier',
      exportingEnv('http/json', { OTEL_SERVICE_NAME: 'classifier-canary' }),
    );
    try {
      const traceId = withSpan('one', {}, (span) => span.spanContext().traceId);
      await tracing.flush();
      const [span] = (
        await receiver.waitForSpans((all) => all.some((s) => s.traceId === traceId))
      ).filter((s) => s.traceId === traceId);
      assert.equal(span?.serviceName, 'classifier-canary');
    } finally {
      await tracing.shutdown();
    }
  });

  it('with always_off: trace ids for logs, no exemplar id, nothing exported', async () => {
    const tracing = await initTracing(
      'banana-function',
      exportingEnv('http/json', { OTEL_TRACES_SAMPLER: 'always_off' }),
    );
    const before = receiver.requests.length;
    try {
      withSpan('unsampled', {}, (span) => {
        assert.equal(span.isRecording(), false);
        assert.match(currentTraceId() ?? '', /^[0-9a-f]{32}$/);
        assert.equal(traceLogFields()?.trace_flags, '00');
        assert.equal(sampledTraceId(), undefined);
      });
      await tracing.flush();
      assert.equal(receiver.requests.length, before);
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('tracing off', () => {
  for (const [why, env] of [
    ['no endpoint', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '1' }],
    ['OTEL_SDK_DISABLED=true', () => exportingEnv('http/json', { OTEL_SDK_DISABLED: 'true' })],
  ] as const) {
    it(`records and exports nothing with ${why}`, async () => {
      const tracing = await initTracing('banana-function', typeof env === 'function' ? env() : env);
      const before = receiver.requests.length;
      try {
        assert.equal(tracing.config.enabled, false);
        // No SDK registered: the API's tracer hands out non-recording spans.
        const apiSpan = trace.getTracer('any').startSpan('x');
        assert.equal(apiSpan.isRecording(), false);
        apiSpan.end();
        withSpan('request', {}, (span) => {
          assert.equal(span.isRecording(), false);
          assert.equal(currentTraceId(), undefined);
          assert.equal(traceLogFields(), undefined);
          assert.equal(sampledTraceId(), undefined);
        });
        assert.equal(await withSpan('async', {}, () => Promise.resolve(7)), 7);
        await tracing.flush();
        await sleep(50);
        assert.equal(receiver.requests.length, before);
      } finally {
        await tracing.shutdown();
      }
    });
  }

  it('passes errors and values through withSpan unchanged', async () => {
    const error = new Error('boom');
    assert.throws(
      () =>
        withSpan('sync', {}, () => {
          throw error;
        }),
      (thrown) => thrown === error,
    );
    await assert.rejects(
      withSpan('async', {}, () => Promise.reject(error)),
      (thrown) => thrown === error,
    );
    assert.equal(
      withSpan('value', {}, () => 42),
      42,
    );
  });
});

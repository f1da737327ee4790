// `npm start`'s stack (scripts/local-stack) with only the OTEL_* variables set, as a user
// would set them in its environment: one photo is one trace across banana-function,
// banana-detector and banana-classifier, and the answer names it in its traceparent header.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack/stack.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { spanTree } from '../support/span-tree.js';

const SERVICES = ['banana-function', 'banana-detector', 'banana-classifier'];

describe('tracing from the local stack (npm start)', () => {
  let receiver: OtlpReceiver;
  let stack: LocalStack | undefined;

  before(async () => {
    receiver = await startOtlpReceiver();
    // The environment of `npm start`: the function (in this process) and the replicas
    // (children, which inherit it) read the same variables.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    stack = await startLocalStack({ logLevel: 'silent', serviceEnv: { INTRA_OP_THREADS: '1' } });
  });
  after(async () => {
    await stack?.stop();
    await receiver.close();
  });

  it('gives one trace over the three processes', async (t) => {
    const running = stack as LocalStack;
    const response = await fetch(`${running.functionUrl}/?min_confidence=0&max_detections=3`, {
      method: 'POST',
      body: await syntheticBananaPhoto({ width: 640, height: 480, bananas: 2, seed: 3 }),
      headers: { 'content-type': 'image/jpeg' },
    });
    const body = (await response.json()) as { detections?: unknown[] };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok((body.detections ?? []).length > 0, 'no detection: nothing was classified');
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      response.headers.get('traceparent') ?? '',
    );
    assert.ok(match, `traceparent header: ${String(response.headers.get('traceparent'))}`);
    const [, traceId, serverSpanId] = match as unknown as [string, string, string];

    const spans = (
      await receiver.waitForSpans((received) => {
        const ofTrace = received.filter((span) => span.traceId === traceId);
        // Each process exports in its own batches: wait for the model calls' spans too.
        return (
          ofTrace.some((span) => span.spanId === serverSpanId) &&
          SERVICES.every((service) => ofTrace.some((span) => span.serviceName === service)) &&
          SERVICES.slice(1).every((service) =>
            ofTrace.some((span) => span.serviceName === service && span.name === 'inference'),
          )
        );
      }, 20_000)
    ).filter((span) => span.traceId === traceId);
    const tree = spanTree(spans);
    t.diagnostic(`span tree of one request:\n${tree}`);
    assert.deepEqual(new Set(spans.map((span) => span.serviceName)), new Set(SERVICES), tree);
    const roots = spans.filter((span) => span.parentSpanId === undefined);
    assert.deepEqual(
      roots.map((span) => span.spanId),
      [serverSpanId],
      `the function's request span is the one root:\n${tree}`,
    );
    for (const service of SERVICES.slice(1)) {
      assert.ok(
        spans.some((span) => span.serviceName === service && span.name === 'inference'),
        `${service} exported no inference span:\n${tree}`,
      );
    }
  });
});

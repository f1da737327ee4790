// The function, the detector and the classifier as real processes, configured only by the
// OTEL_* variables, export to an in-test OTLP/HTTP receiver: one photo is one trace across
// the three service names with the right parent/child links, and its id is in the answer's
// `traceparent` header and in the request's log lines. Without an endpoint nothing is exported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { startProcessStack, type ProcessStack } from '../../scripts/lib/process-stack.js';
import {
  OTLP_SPAN_KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/otlp-receiver.js';
import { eventually } from '../support/eventually.js';
import { spanTree } from '../support/span-tree.js';
import { startServiceProcess } from '../support/service-process.js';

const SIZE = { width: 640, height: 480 };
/** Every candidate box passes, so that even an untrained detector leads to a Classify call. */
const QUERY = '?min_confidence=0&max_detections=3';
const STAGES = ['parse', 'detect', 'classify', 'draw', 'encode'];
const SERVICE_STAGES = ['queue', 'preprocess', 'inference'];

type Line = Record<string, unknown>;

function jsonLine(text: string): Line | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as Line;
  } catch {
    return undefined;
  }
}

async function classify(url: string, seed: number, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/${QUERY}`, {
    method: 'POST',
    body: await syntheticBananaPhoto({ ...SIZE, bananas: 2, seed }),
    headers: { 'content-type': 'image/jpeg', ...headers },
  });
  const body = (await response.json()) as { detections?: unknown[] };
  return { status: response.status, headers: response.headers, body };
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** Checks one model service's part of the trace below the function's CLIENT span `client`. */
function assertServicePart(
  spans: ReceivedSpan[],
  client: ReceivedSpan,
  serviceName: string,
  tree: string,
): void {
  const servers = childrenOf(spans, client).filter((span) => span.kind === OTLP_SPAN_KIND.SERVER);
  assert.equal(servers.length, 1, `one SERVER span under ${client.name}:\n${tree}`);
  const [server] = servers as [ReceivedSpan];
  assert.equal(server.serviceName, serviceName);
  assert.equal(server.name, client.name, 'client and server spans name the same method');
  // queue/preprocess/inference sit below the server span (directly or under a stage span).
  const below = new Set<string>([server.spanId]);
  for (let grown = true; grown;) {
    grown = false;
    for (const span of spans) {
      if (
        span.parentSpanId !== undefined &&
        below.has(span.parentSpanId) &&
        !below.has(span.spanId)
      ) {
        below.add(span.spanId);
        grown = true;
      }
    }
  }
  const inside = spans.filter((span) => below.has(span.spanId) && span !== server);
  for (const name of SERVICE_STAGES) {
    const stage = inside.find((span) => span.name === name);
    assert.ok(stage, `${serviceName}: no ${name} span below ${server.name}:\n${tree}`);
    assert.equal(stage.serviceName, serviceName);
  }
  const inference = inside.find((span) => span.name === 'inference') as ReceivedSpan;
  const batch = inference.attributes['inference.batch_size'];
  assert.ok(typeof batch === 'number' && batch >= 1, `inference.batch_size: ${String(batch)}`);
}

describe('one trace across the three processes', () => {
  let receiver: OtlpReceiver;
  let stack: ProcessStack;
  const functionLines: Line[] = [];
  /** The photo request's trace and request span, from its traceparent header. */
  let traceId = '';
  let serverSpanId = '';
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';

  before(async () => {
    receiver = await startOtlpReceiver();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
    stack = await startProcessStack({
      // The services export protobuf, the function JSON: both encodings in one trace.
      serviceEnv: {
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        INTRA_OP_THREADS: '1',
      },
      // No batch export during the test: the function's spans arrive only with the flush
      // of its graceful shutdown.
      functionEnv: {
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        LOG_LEVEL: 'debug',
      },
      onLine: (text, component) => {
        const line = component === 'function' ? jsonLine(text) : undefined;
        if (line) functionLines.push(line);
      },
    });
  });
  after(async () => {
    await stack.stop();
    await receiver.close();
  });

  it('answers a traceparent header and logs and keeps its trace id as an exemplar', async () => {
    const answer = await classify(stack.url, 1);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok((answer.body.detections ?? []).length > 0, 'no detection: nothing to classify');
    const traceparent = answer.headers.get('traceparent') ?? '';
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent);
    assert.ok(match, `traceparent header: ${JSON.stringify(traceparent)}`);
    [, traceId, serverSpanId] = match as unknown as [string, string, string];

    // The request's log line carries the trace (and the request span) id.
    const logged = await eventually(
      'request log line',
      () => Promise.resolve(functionLines.find((line) => line.msg === 'request')),
      (line) => line !== undefined,
      10_000,
    );
    assert.equal(logged?.trace_id, traceId);
    assert.equal(logged.span_id, serverSpanId);
    assert.equal(logged.status, 200);

    // OpenMetrics exposition: the latency buckets carry the trace id as exemplar.
    const metrics = await eventually(
      'exemplar of the request',
      async () => {
        const response = await fetch(`${stack.url}/metrics`, {
          headers: { accept: 'application/openmetrics-text; version=1.0.0' },
        });
        assert.match(response.headers.get('content-type') ?? '', /application\/openmetrics-text/);
        return response.text();
      },
      (text) => text.includes(`# {trace_id="${traceId}"}`),
      10_000,
    );
    assert.match(
      metrics,
      new RegExp(
        `^banana_function_request_duration_seconds_bucket\\{[^}]*\\} 1 # \\{trace_id="${traceId}"\\}`,
        'm',
      ),
    );
    assert.match(
      metrics,
      new RegExp(
        `^banana_function_stage_duration_seconds_bucket\\{[^}]*stage="detect"[^}]*\\} 1 # \\{trace_id="${traceId}"\\}`,
        'm',
      ),
    );
    // The Prometheus text format has no exemplars.
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    assert.doesNotMatch(text, /trace_id/);
  });

  it("continues a caller's trace and logs a refusal inside it", async () => {
    const response = await fetch(`${stack.url}/`, {
      method: 'POST',
      body: 'not a photo',
      headers: { 'content-type': 'text/plain', traceparent: `00-${callerTrace}-${callerSpan}-01` },
    });
    assert.equal(response.status, 415);
    assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${callerTrace}-`));
    const lines = await eventually(
      'log lines of the refusal',
      () => Promise.resolve(functionLines.filter((line) => line.trace_id === callerTrace)),
      (found) => found.some((line) => line.msg === 'request'),
      10_000,
    );
    assert.ok(
      lines.some((line) => line.msg === 'request refused'),
      `log lines of the trace: ${JSON.stringify(lines)}`,
    );
  });

  it('exports on SIGTERM: one trace over the three services with the right links', async (t) => {
    assert.ok(traceId, 'the first test did not run');
    assert.deepEqual(
      receiver.spans().filter((span) => span.serviceName === 'banana-function'),
      [],
      'the function exported before its shutdown',
    );
    assert.equal(await stack.function.process.stop('SIGTERM', 15_000), 0);

    const services = ['banana-function', 'banana-detector', 'banana-classifier'];
    const spans = (
      await receiver.waitForSpans((received) => {
        const ofTrace = received.filter((span) => span.traceId === traceId);
        return (
          ofTrace.some((span) => span.spanId === serverSpanId) &&
          services
            .slice(1)
            .every((service) =>
              ofTrace.some((span) => span.serviceName === service && span.name === 'inference'),
            )
        );
      }, 20_000)
    ).filter((span) => span.traceId === traceId);
    const tree = spanTree(spans);
    t.diagnostic(`span tree of one request:\n${tree}`);
    assert.deepEqual(new Set(spans.map((span) => span.serviceName)), new Set(services), tree);
    assert.deepEqual(
      new Set(receiver.requests.map((request) => request.contentType)),
      new Set(['application/json', 'application/x-protobuf']),
    );

    // The function's SERVER span is the root, and the span the traceparent header names.
    const roots = spans.filter((span) => span.parentSpanId === undefined);
    assert.equal(roots.length, 1, tree);
    const [root] = roots as [ReceivedSpan];
    assert.equal(root.spanId, serverSpanId);
    assert.equal(root.serviceName, 'banana-function');
    assert.equal(root.kind, OTLP_SPAN_KIND.SERVER);
    assert.equal(root.name, 'POST /');
    assert.equal(root.attributes['url.path'], '/');
    assert.equal(root.attributes['http.response.status_code'], 200);

    // Stage spans are children of the request span; the gRPC CLIENT spans children of
    // detect and classify.
    const stages = childrenOf(spans, root);
    for (const name of STAGES) {
      assert.ok(
        stages.some((span) => span.name === name && span.kind === OTLP_SPAN_KIND.INTERNAL),
        `no ${name} stage span under the request span:\n${tree}`,
      );
    }
    const clientUnder = (stage: string, method: string) => {
      const clients = stages
        .filter((span) => span.name === stage)
        .flatMap((span) => childrenOf(spans, span))
        .filter((span) => span.kind === OTLP_SPAN_KIND.CLIENT && span.name.endsWith(method));
      assert.ok(clients.length > 0, `no ${method} CLIENT span under ${stage}:\n${tree}`);
      for (const client of clients) assert.equal(client.serviceName, 'banana-function');
      return clients;
    };
    const [detectCall] = clientUnder('detect', 'Detect') as [ReceivedSpan];
    assertServicePart(spans, detectCall, 'banana-detector', tree);
    const classifyCall = clientUnder('classify', 'Classify').find((client) =>
      childrenOf(spans, client).some((span) => span.serviceName === 'banana-classifier'),
    );
    assert.ok(classifyCall, tree);
    assertServicePart(spans, classifyCall, 'banana-classifier', tree);

    // The refused request's span is a child of the caller's span.
    const refused = receiver.spans().find((span) => span.traceId === callerTrace);
    assert.ok(refused, "no span in the caller's trace");
    assert.equal(refused.parentSpanId, callerSpan);
    assert.equal(refused.attributes['http.response.status_code'], 415);
  });
});

describe('tracing off', () => {
  let receiver: OtlpReceiver;
  let stack: ProcessStack;
  const lines: Line[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    stack = await startProcessStack({
      // Endpoint set but the SDK disabled: the services must export nothing either.
      serviceEnv: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SDK_DISABLED: 'true',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        INTRA_OP_THREADS: '1',
      },
      // No endpoint at all for the function.
      functionEnv: { LOG_LEVEL: 'debug' },
      onLine: (text) => {
        const line = jsonLine(text);
        if (line) lines.push(line);
      },
    });
  });
  after(async () => {
    await stack.stop();
    await receiver.close();
  });

  it('exports nothing, answers no traceparent and logs no trace ids', async () => {
    const answer = await classify(stack.url, 2, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.headers.get('traceparent'), null);
    // Several export intervals of the services' batch processor.
    await sleep(1000);
    assert.deepEqual(receiver.requests, []);
    assert.ok(lines.some((line) => line.msg === 'request'));
    assert.deepEqual(
      lines.filter((line) => 'trace_id' in line),
      [],
    );
  });
});

describe('bad OTEL_* variables', () => {
  it('are a configuration error of every process (exit 2)', async () => {
    const bad = {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
    };
    for (const [entry, code] of [
      ['function/src/main.ts', 2],
      ['services/detector/src/main.ts', 2],
    ] as const) {
      const proc = startServiceProcess(entry, {
        ...bad,
        PORT: '0',
        GRPC_PORT: '0',
        METRICS_PORT: '0',
      });
      assert.equal(await proc.exited, code, proc.output());
      assert.match(proc.output(), /OTEL_EXPORTER_OTLP_PROTOCOL/);
    }
  });
});

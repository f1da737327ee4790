import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  Server as GrpcServer,
  ServerCredentials,
  status,
  type Client,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import express from 'express';
import {
  OTLP_SPAN_KIND,
  OTLP_STATUS,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../../test/support/otlp-receiver.js';
import {
  contextFromMetadata,
  currentTraceId,
  grpcMetadataWithTrace,
  initTracing,
  traceHttpRequests,
  tracingClientInterceptor,
  withGrpcServerSpan,
  withSpan,
  type Tracing,
} from './index.js';

const ECHO_PATH = '/test.v1.Echo/Echo';
const identity = (bytes: Buffer) => bytes;
const ECHO_SERVICE = {
  echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} as const;

interface EchoReply {
  traceparent: string | undefined;
  traceId: string | undefined;
}

/** The server continues the caller's trace with a SERVER span and an inference child span. */
function echo(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
  withGrpcServerSpan(ECHO_PATH, call.metadata, async () => {
    if (call.request.toString() === 'bad') {
      throw Object.assign(new Error('bad request'), { code: status.INVALID_ARGUMENT });
    }
    await withSpan('inference', { 'inference.batch_size': 2 }, () => Promise.resolve());
    const traceparent = call.metadata.get('traceparent')[0];
    const reply: EchoReply = {
      traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      traceId: currentTraceId(),
    };
    return Buffer.from(JSON.stringify(reply));
  }).then(
    (reply) => {
      callback(null, reply);
    },
    (error: unknown) => {
      callback(error as ServiceError);
    },
  );
}

/** One call through the tracing interceptor, as lib/client makes every call. */
function callEcho(client: Client, text: string): Promise<EchoReply> {
  return new Promise<EchoReply>((resolve, reject) => {
    client.makeUnaryRequest(
      ECHO_PATH,
      identity,
      identity,
      Buffer.from(text),
      new Metadata(),
      { deadline: Date.now() + 5000, interceptors: [tracingClientInterceptor] },
      (error, reply) => {
        if (error) reject(error);
        else resolve(JSON.parse(String(reply)) as EchoReply);
      },
    );
  });
}

let receiver: OtlpReceiver;
let tracing: Tracing;
before(async () => {
  receiver = await startOtlpReceiver();
  tracing = await initTracing('banana-detector', {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '20',
  });
});
after(async () => {
  await tracing.shutdown();
  await receiver.close();
});

/** The spans of one trace once `count` of them have arrived. */
async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
  await tracing.flush();
  const spans = await receiver.waitForSpans(
    (all) => all.filter((span) => span.traceId === traceId).length >= count,
  );
  return spans.filter((span) => span.traceId === traceId);
}

function named(spans: ReceivedSpan[], name: string): ReceivedSpan | undefined {
  return spans.find((span) => span.name === name);
}

describe('trace context in grpc-js Metadata', () => {
  it('injects the active span as traceparent and extracts it back', () => {
    withSpan('outer', {}, (span) => {
      const { traceId, spanId } = span.spanContext();
      const metadata = grpcMetadataWithTrace();
      assert.deepEqual(metadata.get('traceparent'), [`00-${traceId}-${spanId}-01`]);
      // Through the wire format and back.
      const received = Metadata.fromHttp2Headers(
        metadata.toHttp2Headers() as Parameters<typeof Metadata.fromHttp2Headers>[0],
      );
      const extracted = trace.getSpanContext(contextFromMetadata(received));
      assert.equal(extracted?.traceId, traceId);
      assert.equal(extracted.spanId, spanId);
      assert.equal(extracted.isRemote, true);
    });
  });

  it('adds nothing outside a span and extracts no span from plain metadata', () => {
    const metadata = grpcMetadataWithTrace(new Metadata());
    assert.deepEqual(metadata.getMap(), {});
    assert.equal(trace.getSpanContext(contextFromMetadata(metadata)), undefined);
  });
});

describe('a real grpc-js client and server', () => {
  let server: GrpcServer;
  let client: Client;
  before(async () => {
    server = new GrpcServer();
    server.addService(ECHO_SERVICE, { echo });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
        if (error) reject(error);
        else resolve(bound);
      });
    });
    const EchoClient = makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
    client = new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('continues the caller trace: request -> client span -> server span -> inference', async () => {
    const { traceId, reply } = await withSpan('request', {}, async (span) => ({
      traceId: span.spanContext().traceId,
      reply: await callEcho(client, 'hello'),
    }));
    assert.equal(reply.traceId, traceId);
    const spans = await spansOf(traceId, 4);
    assert.equal(spans.length, 4);
    const request = named(spans, 'request');
    const clientSpan = spans.find((s) => s.kind === OTLP_SPAN_KIND.CLIENT);
    const serverSpan = spans.find((s) => s.kind === OTLP_SPAN_KIND.SERVER);
    const inference = named(spans, 'inference');
    assert.ok(request && clientSpan && serverSpan && inference);
    assert.equal(request.parentSpanId, undefined);
    assert.equal(clientSpan.parentSpanId, request.spanId);
    assert.equal(serverSpan.parentSpanId, clientSpan.spanId);
    assert.equal(inference.parentSpanId, serverSpan.spanId);
    assert.equal(reply.traceparent, `00-${traceId}-${clientSpan.spanId}-01`);
    for (const rpc of [clientSpan, serverSpan]) {
      assert.equal(rpc.name, 'test.v1.Echo/Echo');
      assert.equal(rpc.attributes['rpc.system.name'], 'grpc');
      assert.equal(rpc.attributes['rpc.method'], 'test.v1.Echo/Echo');
      assert.equal(rpc.attributes['rpc.status_code'], 'OK');
    }
    assert.equal(inference.attributes['inference.batch_size'], 2);
  });

  it('records the status code of a refused call on both sides, a failure only for the client', async () => {
    const traceId = await withSpan('request', {}, async (span) => {
      await assert.rejects(callEcho(client, 'bad'), { code: status.INVALID_ARGUMENT });
      return span.spanContext().traceId;
    });
    const spans = await spansOf(traceId, 3);
    const rpcSpans = spans.filter((s) => s.kind !== OTLP_SPAN_KIND.INTERNAL);
    assert.equal(rpcSpans.length, 2);
    for (const rpc of rpcSpans) assert.equal(rpc.attributes['rpc.status_code'], 'INVALID_ARGUMENT');
    // The caller's call failed; the server refused a bad request without failing itself.
    assert.equal(
      rpcSpans.find((s) => s.kind === OTLP_SPAN_KIND.CLIENT)?.statusCode,
      OTLP_STATUS.ERROR,
    );
    assert.equal(
      rpcSpans.find((s) => s.kind === OTLP_SPAN_KIND.SERVER)?.statusCode,
      OTLP_STATUS.UNSET,
    );
  });
});

describe('HTTP requests', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const middleware = traceHttpRequests();
    server = createServer((req, res) => {
      middleware(req, res, () => {
        void withSpan('parse', {}, () => Promise.resolve()).then(() => {
          res.writeHead(req.url === '/fail' ? 500 : 200).end(currentTraceId());
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('answers with the traceparent of its SERVER span, parent of the stage spans', async () => {
    const response = await fetch(`${base}/classify?x=1`, { method: 'POST' });
    const traceId = await response.text();
    const traceparent = response.headers.get('traceparent') ?? '';
    const [, headerTraceId, serverSpanId, flags] = traceparent.split('-');
    assert.equal(headerTraceId, traceId);
    assert.equal(flags, '01');
    const spans = await spansOf(traceId, 2);
    const http = named(spans, 'POST');
    assert.ok(http);
    assert.equal(http.spanId, serverSpanId);
    assert.equal(http.kind, OTLP_SPAN_KIND.SERVER);
    assert.equal(http.parentSpanId, undefined);
    assert.equal(http.attributes['http.request.method'], 'POST');
    assert.equal(http.attributes['url.path'], '/classify');
    assert.equal(http.attributes['http.response.status_code'], 200);
    assert.equal(named(spans, 'parse')?.parentSpanId, serverSpanId);
  });

  it("continues the caller's traceparent and marks a 5xx as an error", async () => {
    const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const response = await fetch(`${base}/fail`, {
      headers: { traceparent: `00-${callerTraceId}-${callerSpanId}-01` },
    });
    assert.equal(response.status, 500);
    assert.equal(await response.text(), callerTraceId);
    assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${callerTraceId}-`));
    const http = named(await spansOf(callerTraceId, 2), 'GET');
    assert.equal(http?.parentSpanId, callerSpanId);
    assert.equal(http.statusCode, OTLP_STATUS.ERROR);
  });
});

describe('an express app', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = express();
    app.use(traceHttpRequests());
    app.post('/classify', (_req, res, next) => {
      withSpan('detect', {}, () => Promise.resolve()).then(() => {
        res.json({ traceId: currentTraceId() });
      }, next);
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('names the request span after the matched route', async () => {
    const response = await fetch(`${base}/classify`, { method: 'POST' });
    const { traceId } = (await response.json()) as { traceId: string };
    assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${traceId}-`));
    const spans = await spansOf(traceId, 2);
    const http = named(spans, 'POST /classify');
    assert.ok(http);
    assert.equal(http.attributes['http.route'], '/classify');
    assert.equal(named(spans, 'detect')?.parentSpanId, http.spanId);
  });
});

// An OTLP/HTTP trace receiver for tests: a node:http server on a free loopback port that
// accepts POST /v1/traces in http/protobuf and http/json (optionally gzip-compressed), as an
// OpenTelemetry Collector does, and keeps every span it received in one normalised shape.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { loadSync } from '@grpc/proto-loader';

export type AttributeValue = string | number | boolean | AttributeValue[];

/** OTLP SpanKind numbers. */
export const OTLP_SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP Status.code numbers. */
export const OTLP_STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface ReceivedSpan {
  /** service.name of the resource that exported the span. */
  serviceName: string;
  /** Lowercase hex, as in a traceparent header. */
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind number (see OTLP_SPAN_KIND). */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** OTLP Status.code number (see OTLP_STATUS). */
  statusCode: number;
  /** The instrumentation scope name. */
  scope: string;
  /** Start and end as Unix epoch milliseconds (microsecond precision), and their difference. */
  startMs: number;
  endMs: number;
  durationMs: number;
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  bytes: number;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (spans go to `${endpoint}/v1/traces`). */
  endpoint: string;
  /** Every export request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Resolves with the spans once `predicate` holds for them; rejects after `timeoutMs`. */
  waitForSpans(
    predicate: (spans: ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/** A 64-bit integer as decoded (string from protobuf) or as a JSON exporter writes it. */
type WireLong = string | number | { low: number; high: number };

function epochMs(nanos: WireLong | undefined): number {
  if (nanos === undefined) return 0;
  const value =
    typeof nanos === 'object'
      ? (BigInt(nanos.high >>> 0) << 32n) | BigInt(nanos.low >>> 0)
      : BigInt(nanos);
  return Number(value / 1000n) / 1000;
}

// Wire shapes after decoding: protobuf (proto-loader, bytes as Buffer) or OTLP JSON (ids hex).
interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] };
  bytesValue?: string | Buffer;
}
interface WireKeyValue {
  key: string;
  value?: WireAnyValue;
}
interface WireSpan {
  traceId: string | Buffer;
  spanId: string | Buffer;
  parentSpanId?: string | Buffer;
  name: string;
  kind?: number;
  startTimeUnixNano?: WireLong;
  endTimeUnixNano?: WireLong;
  attributes?: WireKeyValue[];
  status?: { code?: number };
}
interface WireRequest {
  resourceSpans?: {
    resource?: { attributes?: WireKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: WireSpan[] }[];
  }[];
}

const PROTO_FILE = join(dirname(fileURLToPath(import.meta.url)), 'otlp-trace.proto');
const decodeProtobuf = (() => {
  const definition = loadSync(PROTO_FILE, {
    longs: String,
    enums: Number,
    defaults: false,
    oneofs: false,
  });
  const service = definition['opentelemetry.proto.collector.trace.v1.TraceService'] as unknown as {
    Export: { requestDeserialize: (bytes: Buffer) => unknown };
  };
  return (bytes: Buffer) => service.Export.requestDeserialize(bytes) as WireRequest;
})();

function hex(id: string | Buffer | undefined): string | undefined {
  if (id === undefined) return undefined;
  const text = typeof id === 'string' ? id : id.toString('hex');
  return text === '' ? undefined : text.toLowerCase();
}

function attributeValue(value: WireAnyValue | undefined): AttributeValue {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(attributeValue);
  return '';
}

function attributes(list: WireKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, attributeValue(value)]));
}

function normalise(request: WireRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const serviceName = String(attributes(resourceSpans.resource?.attributes)['service.name']);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          serviceName,
          traceId: hex(span.traceId) ?? '',
          spanId: hex(span.spanId) ?? '',
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: span.kind ?? 0,
          attributes: attributes(span.attributes),
          statusCode: span.status?.code ?? 0,
          scope: scopeSpans.scope?.name ?? '',
          startMs: epochMs(span.startTimeUnixNano),
          endMs: epochMs(span.endTimeUnixNano),
          durationMs: epochMs(span.endTimeUnixNano) - epochMs(span.startTimeUnixNano),
        });
      }
    }
  }
  return spans;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** Starts the receiver on 127.0.0.1 and a free port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (req.method !== 'POST' || path !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    readBody(req)
      .then((body) => {
        requests.push({ path, contentType, bytes: body.length });
        if (contentType === 'application/json') {
          received.push(...normalise(JSON.parse(body.toString('utf8')) as WireRequest));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else if (contentType === 'application/x-protobuf') {
          received.push(...normalise(decodeProtobuf(body)));
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } else {
          res.writeHead(415).end();
          return;
        }
        for (const wake of waiters) wake();
      })
      .catch((error: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans: () => [...received],
    waitForSpans(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate([...received])) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve([...received]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `spans not received within ${timeoutMs} ms; got: ${received.map((span) => `${span.serviceName}/${span.name}`).join(', ') || 'none'}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

import { Metadata, status } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import { SpanKind, withSpan, type Span } from './spans.js';

const metadataSetter: TextMapSetter<Metadata> = {
  set(metadata, key, value) {
    metadata.set(key, value);
  },
};

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get(metadata, key) {
    const values = metadata.get(key).filter((value): value is string => typeof value === 'string');
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/**
 * `metadata` (a new Metadata by default) with the active trace context added as W3C
 * `traceparent` (and `tracestate`/`baggage` when present), for an outgoing gRPC call.
 */
export function grpcMetadataWithTrace(
  metadata: Metadata = new Metadata(),
  from: Context = context.active(),
): Metadata {
  propagation.inject(from, metadata, metadataSetter);
  return metadata;
}

/** The trace context a caller sent in a call's metadata (the root context when none). */
export function contextFromMetadata(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

/** The gRPC status of an error: its numeric `code` (a grpc-js ServiceError), else UNKNOWN. */
function grpcCodeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : status.UNKNOWN;
}

function statusName(code: number): string {
  const name: string | undefined = status[code];
  return name ?? 'UNKNOWN';
}

/** Codes that mean the server failed, not the caller (OpenTelemetry gRPC conventions). */
const SERVER_FAILURES = new Set<number>([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

function rpcAttributes(path: string) {
  return {
    [ATTR_RPC_SYSTEM_NAME]: 'grpc',
    // "/banana.v1.Detector/Detect" -> "banana.v1.Detector/Detect"
    [ATTR_RPC_METHOD]: path.replace(/^\//, ''),
  };
}

async function withRpcSpan<T>(
  path: string,
  kind: SpanKind,
  parent: Context | undefined,
  work: (span: Span) => Promise<T>,
  codeOf: (error: unknown) => number,
): Promise<T> {
  const attributes = rpcAttributes(path);
  return withSpan(
    attributes[ATTR_RPC_METHOD],
    attributes,
    async (span) => {
      try {
        const result = await work(span);
        span.setAttribute(ATTR_RPC_STATUS_CODE, 'OK');
        return result;
      } catch (error) {
        span.setAttribute(ATTR_RPC_STATUS_CODE, statusName(codeOf(error)));
        throw error;
      }
    },
    {
      kind,
      parent,
      // A client span fails with any non-OK status; a server span only with its own failures.
      isFailure:
        kind === SpanKind.SERVER ? (error) => SERVER_FAILURES.has(codeOf(error)) : undefined,
    },
  );
}

/**
 * A CLIENT span around one outgoing unary call to `path` (e.g. "/banana.v1.Detector/Detect");
 * `call` receives the metadata to send, which carries this span as the server's parent.
 * The span records the call's status code (`rpc.status_code`).
 */
export function withGrpcClientSpan<T>(
  path: string,
  call: (metadata: Metadata) => Promise<T>,
): Promise<T> {
  return withRpcSpan(
    path,
    SpanKind.CLIENT,
    undefined,
    () => call(grpcMetadataWithTrace()),
    grpcCodeOf,
  );
}

/**
 * A SERVER span around the handling of one incoming call, child of the caller's span
 * taken from `metadata`; `handle` runs with it active, and the span records the status
 * code the caller receives: `codeOf` maps what `handle` throws (default: its numeric `code`).
 */
export function withGrpcServerSpan<T>(
  path: string,
  metadata: Metadata,
  handle: (span: Span) => Promise<T>,
  codeOf: (error: unknown) => number = grpcCodeOf,
): Promise<T> {
  return withRpcSpan(path, SpanKind.SERVER, contextFromMetadata(metadata), handle, codeOf);
}

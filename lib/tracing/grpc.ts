import { InterceptingCall, Metadata, status, type Interceptor } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import { isTracingActive, SpanKind, startSpan, withSpan, type Span } from './spans.js';

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
 * grpc-js client interceptor: every call of a client (unary and streaming) is a CLIENT span,
 * child of the span active where the call is made, sent to the server as `traceparent` in
 * the call's metadata; it ends with the call's status (`rpc.status_code`, an error unless OK).
 */
export const tracingClientInterceptor: Interceptor = (options, nextCall) => {
  if (!isTracingActive()) return new InterceptingCall(nextCall(options));
  const attributes = rpcAttributes(options.method_definition.path);
  const { span, spanContext } = startSpan(attributes[ATTR_RPC_METHOD], attributes, {
    kind: SpanKind.CLIENT,
  });
  return new InterceptingCall(nextCall(options), {
    start(metadata, _listener, next) {
      grpcMetadataWithTrace(metadata, spanContext);
      next(metadata, {
        onReceiveStatus(received, nextStatus) {
          span.setAttribute(ATTR_RPC_STATUS_CODE, statusName(received.code));
          if (received.code !== status.OK)
            span.setStatus({ code: SpanStatusCode.ERROR, message: received.details });
          span.end();
          nextStatus(received);
        },
      });
    },
  });
};

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

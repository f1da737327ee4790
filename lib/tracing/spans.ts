import { performance } from 'node:perf_hooks';
import {
  context,
  isSpanContextValid,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

export { SpanKind };
export type { Attributes, Context, Span };

/** Instrumentation scope of every span this code base starts. */
export const TRACER_NAME = 'banana-ripeness';

/** A span that records nothing: what `withSpan` hands out while tracing is off. */
const NON_RECORDING_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

let active = false;

/** Set by initTracing / shutdown: while false, `withSpan` runs `work` with no span at all. */
export function setTracingActive(on: boolean): void {
  active = on;
}

/** True between initTracing (with an endpoint) and shutdown. */
export function isTracingActive(): boolean {
  return active;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The parent (e.g. from `contextFromMetadata`); default: the active context. */
  parent?: Context;
  /**
   * Whether a thrown error marks the span as failed (default: always). A server may refuse
   * a bad request without having failed itself.
   */
  isFailure?: (error: unknown) => boolean;
}

/**
 * A started span and the context in which it is the active span; the caller ends it.
 * For spans whose end is an event (an HTTP response closing) rather than a return.
 */
export function startSpan(
  name: string,
  attributes: Attributes,
  options: SpanOptions = {},
): { span: Span; spanContext: Context } {
  const parent = options.parent ?? context.active();
  // Looked up per span: the global provider changes when tracing is started or shut down.
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(name, { kind: options.kind, attributes }, parent);
  return { span, spanContext: trace.setSpan(parent, span) };
}

function recordError(span: Span, error: unknown, options: SpanOptions): void {
  if (options.isFailure && !options.isFailure(error)) return;
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * Runs `work` inside a new span that is the active span for everything `work` starts
 * (child spans, gRPC metadata, log lines). The span ends when `work` returns or settles;
 * a throw or rejection marks it as an error and is passed on unchanged. With tracing off,
 * `work` runs directly with a span that records nothing.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => T,
  options: SpanOptions = {},
): T {
  if (!active) return work(NON_RECORDING_SPAN);
  const { span, spanContext } = startSpan(name, attributes, options);
  return context.with(spanContext, () => {
    let result: T;
    try {
      result = work(span);
    } catch (error) {
      recordError(span, error, options);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (settled: unknown) => {
          span.end();
          return settled;
        },
        (error: unknown) => {
          recordError(span, error, options);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/**
 * A child of the active span for work timed elsewhere (a worker thread, a queue): it starts
 * at `startedAt` and ends at `endedAt`, both `performance.now()` readings of this thread.
 */
export function recordSpan(
  name: string,
  attributes: Attributes,
  startedAt: number,
  endedAt: number,
): void {
  if (!active) return;
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(
      name,
      { attributes, startTime: performance.timeOrigin + startedAt },
      context.active(),
    );
  span.end(performance.timeOrigin + endedAt);
}

function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The trace id (32 hex digits) of the active span, if any. */
export function currentTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

/**
 * The trace id of the active span when that trace is sampled (exported), for metric
 * exemplars: an exemplar pointing at a trace that was never exported would lead nowhere.
 */
export function sampledTraceId(): string | undefined {
  const spanContext = activeSpanContext();
  return spanContext && spanContext.traceFlags & TraceFlags.SAMPLED
    ? spanContext.traceId
    : undefined;
}

export interface TraceLogFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

/** Fields for a log line written inside a span (the OpenTelemetry log data model's names). */
export function traceLogFields(): TraceLogFields | undefined {
  const spanContext = activeSpanContext();
  if (!spanContext) return undefined;
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`.slice(-2),
  };
}

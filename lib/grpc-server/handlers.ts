import { performance } from 'node:perf_hooks';
import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '../log/index.js';
import { withGrpcServerSpan } from '../tracing/index.js';
import type { CallTracker } from './call-tracker.js';
import { RequestError } from './request-error.js';
import { statusName, statusOfError } from './status-of-error.js';

interface UnaryMethod<Request, Response> {
  path: string;
  requestStream: false;
  responseStream: false;
  requestDeserialize: (bytes: Buffer) => Request;
  responseSerialize: (value: Response) => Buffer;
}

interface BidiMethod<Request, Response> {
  path: string;
  requestStream: true;
  responseStream: true;
  requestDeserialize: (bytes: Buffer) => Request;
  responseSerialize: (value: Response) => Buffer;
}

/** What a handler knows about its call besides the request. */
export interface CallInfo {
  /** Aborted when the client cancels the call or its deadline passes. */
  signal: AbortSignal;
}

/**
 * A bidirectional stream handler: reads `stream`, writes responses to it, and resolves once
 * every response is written (the binding then ends the call with OK) or rejects (the call
 * ends with the error's status).
 */
export type StreamHandler<Request, Response> = (
  stream: ServerDuplexStream<Request, Response>,
  call: CallInfo,
) => Promise<void>;

/**
 * For a generated service definition: one async function per unary method (request ->
 * response) and one StreamHandler per bidirectional streaming method.
 */
export type AsyncHandlers<Definition> = {
  [Key in keyof Definition]: Definition[Key] extends UnaryMethod<infer Request, infer Response>
    ? (request: Request, call: CallInfo) => Promise<Response>
    : Definition[Key] extends BidiMethod<infer Request, infer Response>
      ? StreamHandler<Request, Response>
      : never;
};

export interface HandlerContext {
  logger: Logger;
  calls: CallTracker;
  recordRequest(method: string, code: string, seconds: number): void;
  /** Called once per method at bind time (metrics create its series at zero). */
  presetMethod?(method: string): void;
}

/** An AbortSignal aborted when the call is cancelled (client cancel, deadline, shutdown). */
function cancellationOf(call: { on(event: 'cancelled', listener: () => void): unknown }) {
  const controller = new AbortController();
  call.on('cancelled', () => {
    controller.abort(new Error('call cancelled'));
  });
  return controller.signal;
}

/** One call's bookkeeping: in flight for shutdown, timed, counted and logged by status. */
type CallRecord = ReturnType<typeof beginCall>;

function beginCall(context: HandlerContext, method: string) {
  const finished = context.calls.begin();
  const started = performance.now();
  context.logger.debug({ method }, 'call started');
  return {
    succeeded() {
      context.recordRequest(method, 'OK', (performance.now() - started) / 1000);
      finished();
    },
    failed(error: unknown) {
      const mapped = statusOfError(error);
      const { code, details, internal } = mapped;
      context.recordRequest(method, statusName(code), (performance.now() - started) / 1000);
      if (internal) context.logger.error({ method, err: error }, 'call failed');
      else context.logger.info({ method, code: statusName(code), details }, 'call refused');
      finished();
      return mapped;
    },
  };
}

/** A bidirectional streaming method: answered when the handler ends, or with its error. */
function streamingMethod(
  path: string,
  handler: StreamHandler<unknown, unknown>,
  begin: () => CallRecord,
) {
  return (stream: ServerDuplexStream<unknown, unknown>) => {
    const call = begin();
    const signal = cancellationOf(stream);
    void withGrpcServerSpan(
      path,
      stream.metadata,
      async () => {
        try {
          await handler(stream, { signal });
        } catch (error) {
          const { code, details } = call.failed(signal.aborted ? cancelledError() : error);
          if (!signal.aborted) stream.emit('error', { code, details });
          throw error;
        }
        // A handler that stops because the call was cancelled has not succeeded.
        if (signal.aborted) {
          call.failed(cancelledError());
          throw cancelledError();
        }
        call.succeeded();
        stream.end();
      },
      codeOf,
    ).catch(() => {
      // Already answered above; the span has recorded the status.
    });
  };
}

/** A unary method: the handler's answer, or its error as a status. */
function unaryMethod(
  path: string,
  handler: (request: unknown, call: CallInfo) => Promise<unknown>,
  begin: () => CallRecord,
) {
  return (unaryCall: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const call = begin();
    const signal = cancellationOf(unaryCall);
    // Counted and answered inside the server span: the request metrics carry its trace id.
    void withGrpcServerSpan(
      path,
      unaryCall.metadata,
      async () => {
        try {
          const response = await handler(unaryCall.request, { signal });
          call.succeeded();
          callback(null, response);
        } catch (error) {
          const { code, details } = call.failed(signal.aborted ? cancelledError() : error);
          callback({ code, details });
          throw error;
        }
      },
      codeOf,
    ).catch(() => {
      // Already answered above; the span has recorded the status.
    });
  };
}

/**
 * Turns async handlers into grpc-js handlers that count requests (a stream counts once) by
 * status code, time them, track them for graceful shutdown, pass a cancellation signal, and
 * map thrown errors to statuses.
 */
export function bindHandlers<Definition extends ServiceDefinition>(
  definition: Definition,
  handlers: AsyncHandlers<Definition>,
  context: HandlerContext,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const key of Object.keys(definition)) {
    const methodDefinition = definition[key];
    const path = methodDefinition?.path ?? `/${key}`;
    const method = path.split('/').pop() ?? key;
    context.presetMethod?.(method);
    const begin = () => beginCall(context, method);
    if (methodDefinition?.requestStream && methodDefinition.responseStream) {
      implementation[key] = streamingMethod(
        path,
        handlers[key] as StreamHandler<unknown, unknown>,
        begin,
      );
    } else if (methodDefinition?.requestStream || methodDefinition?.responseStream) {
      throw new Error(`${method}: only unary and bidirectional streaming methods are supported`);
    } else {
      implementation[key] = unaryMethod(
        path,
        handlers[key] as (request: unknown, call: CallInfo) => Promise<unknown>,
        begin,
      );
    }
  }
  return implementation;
}

/** The status a caller receives for what a handler threw. */
function codeOf(error: unknown): number {
  return statusOfError(error).code;
}

function cancelledError(): RequestError {
  return new RequestError(status.CANCELLED, 'call cancelled by the client or its deadline');
}

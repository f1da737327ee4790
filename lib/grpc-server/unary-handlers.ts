import { performance } from 'node:perf_hooks';
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '../log/index.js';
import type { CallTracker } from './call-tracker.js';
import { statusName, statusOfError } from './status-of-error.js';

interface UnaryMethod<Request, Response> {
  path: string;
  requestStream: false;
  responseStream: false;
  requestDeserialize: (bytes: Buffer) => Request;
  responseSerialize: (value: Response) => Buffer;
}

/** For a generated service definition: one async function per method, request -> response. */
export type AsyncHandlers<Definition> = {
  [Key in keyof Definition]: Definition[Key] extends UnaryMethod<infer Request, infer Response>
    ? (request: Request) => Promise<Response>
    : never;
};

export interface HandlerContext {
  logger: Logger;
  calls: CallTracker;
  recordRequest(method: string, code: string, seconds: number): void;
  /** Called once per method at bind time (metrics create its series at zero). */
  presetMethod?(method: string): void;
}

/**
 * Turns async handlers into grpc-js unary handlers that count requests by status code,
 * time them, track them for graceful shutdown, and map thrown errors to statuses.
 */
export function bindUnaryHandlers<Definition extends ServiceDefinition>(
  definition: Definition,
  handlers: AsyncHandlers<Definition>,
  context: HandlerContext,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const key of Object.keys(definition)) {
    const method = definition[key]?.path.split('/').pop() ?? key;
    const handler = handlers[key] as (request: unknown) => Promise<unknown>;
    context.presetMethod?.(method);
    implementation[key] = (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      const finished = context.calls.begin();
      const started = performance.now();
      const record = (code: status) => {
        context.recordRequest(method, statusName(code), (performance.now() - started) / 1000);
      };
      context.logger.debug({ method }, 'call started');
      handler(call.request)
        .then(
          (response) => {
            record(status.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const { code, details, internal } = statusOfError(error);
            record(code);
            if (internal) context.logger.error({ method, err: error }, 'call failed');
            else context.logger.info({ method, code: statusName(code), details }, 'call refused');
            callback({ code, details });
          },
        )
        .finally(finished);
    };
  }
  return implementation;
}

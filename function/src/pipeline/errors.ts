/**
 * How the pipeline fails, in its own terms: a model service that failed or answered
 * something unusable. The photo's own problems are lib/vision's ImageInputError family. The
 * HTTP edge (function/src/errors.ts) alone turns these into statuses.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isServiceError } from '../../../lib/client/index.js';

export type ModelService = 'detector' | 'classifier';

/** The gRPC status name of an error from a model call (e.g. "UNAVAILABLE"), or "UNKNOWN". */
export function grpcCodeName(error: unknown): string {
  if (!isServiceError(error)) return 'UNKNOWN';
  return (GrpcStatus as unknown as Record<number, string | undefined>)[error.code] ?? 'UNKNOWN';
}

/** A call to a model service failed: which service, its gRPC status name and message. */
export class UpstreamError extends Error {
  constructor(
    readonly service: ModelService,
    /** gRPC status name, e.g. "DEADLINE_EXCEEDED". */
    readonly code: string,
    /** The service's own message (for INVALID_ARGUMENT and RESOURCE_EXHAUSTED). */
    readonly details: string,
    /** The deadline the call had. */
    readonly deadlineMs: number,
  ) {
    super(`the ${service} service failed (${code}): ${details}`);
    this.name = 'UpstreamError';
  }

  static of(service: ModelService, error: unknown, deadlineMs: number): UpstreamError {
    const details = isServiceError(error) ? error.details : 'unknown error';
    return new UpstreamError(service, grpcCodeName(error), details, deadlineMs);
  }
}

/**
 * Runs one call to a model service; a failure is reported to `onError` (metrics) and becomes
 * an UpstreamError naming the service, its status and the call's deadline.
 */
export async function callService<T>(
  service: ModelService,
  deadlineMs: number,
  onError: (service: ModelService, error: unknown) => void,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    onError(service, error);
    throw UpstreamError.of(service, error, deadlineMs);
  }
}

/** A model service answered, but with something the pipeline cannot use. */
export class UnusableAnswerError extends Error {
  constructor(
    readonly service: ModelService,
    message: string,
  ) {
    super(message);
    this.name = 'UnusableAnswerError';
  }
}

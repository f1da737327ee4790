import { status as GrpcStatus } from '@grpc/grpc-js';
import { isServiceError } from '../../../lib/client/index.js';
import { HttpError } from '../errors.js';

export type ModelService = 'detector' | 'classifier';

/** The gRPC status name of an error from a model call (e.g. "UNAVAILABLE"), or "UNKNOWN". */
export function grpcCodeName(error: unknown): string {
  if (!isServiceError(error)) return 'UNKNOWN';
  return (GrpcStatus as unknown as Record<number, string | undefined>)[error.code] ?? 'UNKNOWN';
}

/**
 * Maps a failed model-service call to what the client sees: 503 when the service is
 * down or overloaded, 504 when it missed its deadline, 422 when it rejected the image,
 * 502 otherwise. The message names the service, never internals.
 */
export function upstreamHttpError(
  service: ModelService,
  error: unknown,
  deadlineMs: number,
): HttpError {
  const details = isServiceError(error) ? error.details : 'unknown error';
  const code = grpcCodeName(error);
  switch (code) {
    case 'UNAVAILABLE':
    case 'CANCELLED':
      return new HttpError(
        503,
        'upstream_unavailable',
        `the ${service} service is unavailable; try again shortly`,
      );
    case 'RESOURCE_EXHAUSTED':
      return new HttpError(
        503,
        'upstream_unavailable',
        `the ${service} service is overloaded (${details}); try again shortly`,
      );
    case 'DEADLINE_EXCEEDED':
      return new HttpError(
        504,
        'upstream_timeout',
        `the ${service} service did not answer within ${deadlineMs} ms`,
      );
    case 'INVALID_ARGUMENT':
      return new HttpError(
        422,
        'unprocessable_image',
        `the ${service} service rejected the image: ${details}`,
      );
    default:
      return new HttpError(502, 'upstream_error', `the ${service} service failed (${code})`);
  }
}

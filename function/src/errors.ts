/**
 * Every answer that is not a 200: the HttpError thrown along the request path, what model-call
 * failures and body-parser errors become, and the JSON body `{"error":{"code","message"}}`.
 * Anything unknown becomes a 500 with a generic message; stack traces never leave the process.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { EmptyImageError, ImageInputError, UnsupportedImageError } from '../../lib/vision/index.js';
import { UnusableAnswerError, UpstreamError } from './pipeline/errors.js';

export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable_image'
  | 'overloaded'
  | 'key_limit'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'internal';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Sent as Retry-After (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string): HttpError =>
  new HttpError(400, 'bad_request', message);
export const unsupportedMediaType = (message: string): HttpError =>
  new HttpError(415, 'unsupported_media_type', message);
export const unprocessableImage = (message: string): HttpError =>
  new HttpError(422, 'unprocessable_image', message);

export function payloadTooLarge(limitBytes: number): HttpError {
  return new HttpError(
    413,
    'payload_too_large',
    `request body is larger than the limit of ${limitBytes} bytes (${formatMiB(limitBytes)})`,
  );
}

export function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** The JSON body of an error response: `{"error":{"code","message"}}`. */
export function errorBody(error: HttpError): { error: { code: ErrorCode; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/** An error from express's body parsers (body-parser / raw-body): `type` says what failed. */
interface BodyParserError extends Error {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    error instanceof Error &&
    typeof (error as Partial<BodyParserError>).type === 'string' &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

const SUPPORTED_TEXT = 'JPEG, PNG or WebP';

/**
 * The photo's problems: 400 when empty, 415 for formats other than JPEG/PNG/WebP (the magic
 * bytes decide; the declared Content-Type is not trusted), 422 for truncated or corrupt data
 * and for more than the allowed pixels.
 */
function photoHttpError(error: ImageInputError): HttpError {
  if (error instanceof EmptyImageError) return badRequest(error.message);
  if (error instanceof UnsupportedImageError) {
    return unsupportedMediaType(
      error.format === undefined
        ? `the body is not a ${SUPPORTED_TEXT} image`
        : `${error.format.toUpperCase()} images are not supported; send ${SUPPORTED_TEXT}`,
    );
  }
  return unprocessableImage(error.message);
}

/**
 * Turns anything thrown along the request path into an HttpError: the pipeline's and the
 * photo's errors by kind; unknown errors become an opaque 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ImageInputError) return photoHttpError(error);
  if (error instanceof UpstreamError) return upstreamHttpError(error);
  if (error instanceof UnusableAnswerError)
    return new HttpError(502, 'upstream_error', error.message);
  if (isBodyParserError(error)) {
    switch (error.type) {
      case 'entity.too.large':
        return payloadTooLarge(error.limit ?? 0);
      case 'entity.parse.failed':
        return badRequest(`body is not valid JSON: ${error.message}`);
      case 'request.aborted':
        return badRequest('request body was not received completely (client aborted)');
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return unsupportedMediaType(error.message);
      default:
        if (error.status >= 400 && error.status < 500)
          return badRequest(`request body could not be read: ${error.message}`);
    }
  }
  return new HttpError(500, 'internal', 'internal error');
}

/**
 * Maps a failed model-service call to what the client sees: 503 when the service is
 * down or overloaded, 504 when it missed its deadline, 422 when it rejected the image,
 * 502 otherwise. The message names the service, never internals.
 */
export function upstreamHttpError({
  service,
  code,
  details,
  deadlineMs,
}: UpstreamError): HttpError {
  switch (code) {
    case 'UNAVAILABLE':
    case 'CANCELLED':
      return new HttpError(
        503,
        'upstream_unavailable',
        `the ${service} service is unavailable; try again shortly`,
        1,
      );
    case 'RESOURCE_EXHAUSTED':
      return new HttpError(
        503,
        'upstream_unavailable',
        `the ${service} service is overloaded (${details}); try again shortly`,
        1,
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

/**
 * Answers requests that Node's HTTP parser refuses before express runs (request line or
 * headers above the 16 KiB limit, malformed HTTP, header timeout) with the same JSON error
 * body as every other refusal, instead of Node's bare status line.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpError(
          431,
          'bad_request',
          'the request line and headers are larger than 16 KiB (a query string that long?)',
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpError(408, 'bad_request', 'the request was not received in time')
        : new HttpError(400, 'bad_request', 'malformed HTTP request');
  const body = JSON.stringify(errorBody(refusal));
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

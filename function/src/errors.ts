/**
 * Errors the function answers to clients. Every failure that reaches the HTTP layer is an
 * HttpError (anything else becomes a 500 with a generic message; stack traces never leave
 * the process).
 */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable_image'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'internal';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
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

/** Turns anything thrown into an HttpError; unknown errors become an opaque 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  return new HttpError(500, 'internal', 'internal error');
}

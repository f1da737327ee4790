import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyStore, AuthResult } from './api-keys.js';

/** The JSON error body of a refused HTTP request (the function's shape). */
export function unauthenticatedBody(message: string): {
  error: { code: 'unauthenticated'; message: string };
} {
  return { error: { code: 'unauthenticated', message } };
}

/** Checks a request's `authorization` header; the header is removed once checked. */
export function checkHttpRequest(keys: ApiKeyStore, request: IncomingMessage): AuthResult {
  const result = keys.check(request.headers.authorization);
  delete request.headers.authorization;
  return result;
}

/**
 * For plain node:http handlers and express alike: true when the request carries a valid
 * key; otherwise answers 401 (by default `{"error":{"code":"unauthenticated","message"}}`) with
 * `www-authenticate: Bearer` and returns false. Call it before reading the body:
 *
 *   if (!authorizeHttpRequest(keys, req, res)) return;
 *
 * The body of a refused request is not read; the connection is closed after the answer.
 */
export function authorizeHttpRequest(
  keys: ApiKeyStore | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  errorBody: (message: string) => unknown = unauthenticatedBody,
): boolean {
  if (!keys) return true;
  const result = checkHttpRequest(keys, request);
  if (result.ok) return true;
  response.writeHead(401, {
    'content-type': 'application/json; charset=utf-8',
    'www-authenticate': 'Bearer',
    'cache-control': 'no-store',
    connection: 'close',
  });
  response.end(JSON.stringify(errorBody(result.message)));
  return false;
}

/**
 * authorizeHttpRequest as connect/express middleware; `errorBody` shapes the 401's body as the
 * rest of the protocol's errors (the Open Inference REST API: `{"error": "<message>"}`).
 */
export function requireApiKey(
  keys: ApiKeyStore | undefined,
  errorBody: (message: string) => unknown = unauthenticatedBody,
) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (authorizeHttpRequest(keys, request, response, errorBody)) next();
  };
}

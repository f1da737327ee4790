import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyStore, AuthResult } from './api-keys.js';
import type { KeyLimits } from './key-limits.js';

/** Checks a request's `authorization` header; the header is removed once checked. */
export function checkHttpRequest(keys: ApiKeyStore, request: IncomingMessage): AuthResult {
  const result = keys.check(request.headers.authorization);
  delete request.headers.authorization;
  return result;
}

function answer(
  response: ServerResponse,
  code: 401 | 429,
  body: unknown,
  headers: Record<string, string>,
): void {
  response.writeHead(code, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

/**
 * For plain node:http handlers and express alike: true when the request carries a valid
 * key and its key's limits (`limits`) admit it, which then hold it until the response closes;
 * otherwise answers 401 (by default `{"error":{"code":"unauthenticated","message"}}`, with
 * `www-authenticate: Bearer`) or 429 naming the limit (with `retry-after`), and returns false.
 * Call it before reading the body:
 *
 *   if (!authorizeHttpRequest(keys, req, res)) return;
 *
 * The body of a refused request is not read; the connection is closed after the answer.
 */
export function authorizeHttpRequest(
  keys: ApiKeyStore | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  errorBody: (message: string, code: 'unauthenticated' | 'key_limit') => unknown = (
    message,
    code,
  ) => ({ error: { code, message } }),
  limits?: KeyLimits,
): boolean {
  if (!keys) return true;
  const result = checkHttpRequest(keys, request);
  if (!result.ok) {
    answer(response, 401, errorBody(result.message, 'unauthenticated'), {
      'www-authenticate': 'Bearer',
    });
    return false;
  }
  const admission = limits?.admit(result.name);
  if (admission && !admission.ok) {
    answer(response, 429, errorBody(admission.message, 'key_limit'), {
      'retry-after': String(admission.retryAfterSeconds),
    });
    return false;
  }
  if (admission) response.once('close', admission.release);
  return true;
}

/**
 * authorizeHttpRequest as connect/express middleware; `errorBody` shapes a refusal's body as
 * the rest of the protocol's errors (the Open Inference REST API: `{"error": "<message>"}`).
 */
export function requireApiKey(
  keys: ApiKeyStore | undefined,
  errorBody?: (message: string, code: 'unauthenticated' | 'key_limit') => unknown,
  limits?: KeyLimits,
) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (authorizeHttpRequest(keys, request, response, errorBody, limits)) next();
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyStore, AuthResult } from './api-keys.js';
import type { KeyLimits } from './key-limits.js';

/** Checks a request's `authorization` header; the header is removed once checked. */
export function checkHttpRequest(keys: ApiKeyStore, request: IncomingMessage): AuthResult {
  const result = keys.check(request.headers.authorization);
  delete request.headers.authorization;
  return result;
}

/** Why a request was not let in, as its HTTP answer: status, error code, message and headers. */
export interface HttpRefusal {
  status: 401 | 429;
  code: 'unauthenticated' | 'key_limit';
  message: string;
  headers: Record<string, string>;
}

/**
 * The one decision of who gets in over HTTP: undefined when the request carries a valid key
 * (or no keys are required) and its key's limits (`limits`) admit it, which then hold it
 * until the response closes; otherwise the 401 (`www-authenticate: Bearer`) or the 429
 * naming the limit (`retry-after`) to answer. Call it before reading the body.
 */
export function admitHttpRequest(
  keys: ApiKeyStore | undefined,
  limits: KeyLimits | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): HttpRefusal | undefined {
  if (!keys) return undefined;
  const result = checkHttpRequest(keys, request);
  if (!result.ok) {
    return {
      status: 401,
      code: 'unauthenticated',
      message: result.message,
      headers: { 'www-authenticate': 'Bearer' },
    };
  }
  const admission = limits?.admit(result.name);
  if (admission && !admission.ok) {
    return {
      status: 429,
      code: 'key_limit',
      message: admission.message,
      headers: { 'retry-after': String(admission.retryAfterSeconds) },
    };
  }
  if (admission) response.once('close', admission.release);
  return undefined;
}

/**
 * For plain node:http handlers and express alike: true when admitHttpRequest lets the request
 * in; otherwise answers its refusal, the body shaped by `errorBody` (by default the function's
 * `{"error":{"code","message"}}`), closes the connection and returns false. Call it before
 * reading the body:
 *
 *   if (!authorizeHttpRequest(keys, req, res)) return;
 */
export function authorizeHttpRequest(
  keys: ApiKeyStore | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  errorBody: (message: string, code: HttpRefusal['code']) => unknown = (message, code) => ({
    error: { code, message },
  }),
  limits?: KeyLimits,
): boolean {
  const refusal = admitHttpRequest(keys, limits, request, response);
  if (!refusal) return true;
  response.writeHead(refusal.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
    ...refusal.headers,
  });
  response.end(JSON.stringify(errorBody(refusal.message, refusal.code)));
  return false;
}

/**
 * authorizeHttpRequest as connect/express middleware; `errorBody` shapes a refusal's body as
 * the rest of the protocol's errors (the Open Inference REST API: `{"error": "<message>"}`).
 */
export function requireApiKey(
  keys: ApiKeyStore | undefined,
  errorBody?: (message: string, code: HttpRefusal['code']) => unknown,
  limits?: KeyLimits,
) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (authorizeHttpRequest(keys, request, response, errorBody, limits)) next();
  };
}

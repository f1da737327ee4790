import type { ServerResponse } from 'node:http';
import { errorBody, type HttpError } from '../errors.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/**
 * Sends `{"error":{"code","message"}}`. When the request body was not read to the end
 * (e.g. 413), the connection is closed instead of draining an arbitrarily large upload.
 */
export function sendError(res: ServerResponse, error: HttpError, bodyConsumed: boolean): void {
  const headers: Record<string, string> = bodyConsumed ? {} : { connection: 'close' };
  if (error.status === 503) headers['retry-after'] = '1';
  sendJson(res, error.status, errorBody(error), headers);
}

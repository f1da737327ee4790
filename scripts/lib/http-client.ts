/** A lean HTTP client for load generation (node:http with keep-alive, no fetch overhead). */
import { Agent, request } from 'node:http';

export interface HttpResult {
  status: number;
  /** Milliseconds from sending the request to the last byte of the answer. */
  ms: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface PostOptions {
  headers?: Record<string, string>;
  agent?: Agent;
  /** Abort after this many ms (rejects with an Error whose code is 'ETIMEDOUT'). */
  timeoutMs?: number;
}

export function createAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export function httpRequest(
  method: string,
  url: string,
  body: Buffer | undefined,
  options: PostOptions = {},
): Promise<HttpResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: options.agent,
        headers: {
          ...(body ? { 'content-length': String(body.length) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            body: Buffer.concat(chunks),
            headers: res.headers,
          });
        });
        res.on('error', reject);
      },
    );
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => {
        req.destroy(
          Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        );
      });
    }
    req.on('error', reject);
    req.end(body);
  });
}

export const postImage = (
  url: string,
  jpeg: Buffer,
  options: PostOptions = {},
): Promise<HttpResult> =>
  httpRequest('POST', url, jpeg, {
    ...options,
    headers: { 'content-type': 'image/jpeg', ...options.headers },
  });

/** Sends one request and returns whatever the server answered, even when it closes the connection mid-upload. */
import { request } from 'node:http';

const EARLY_ANSWER_BYTES = 1024 * 1024;

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

export function sendRaw(
  baseUrl: string,
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    timeoutMs?: number;
  },
): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      `${baseUrl}${options.path ?? '/'}`,
      {
        method: options.method ?? 'POST',
        headers: {
          ...(options.body ? { 'content-length': String(options.body.length) } : {}),
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        const finish = () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          });
        };
        res.on('end', finish);
        res.on('error', finish);
        res.on('aborted', finish);
      },
    );
    req.setTimeout(options.timeoutMs ?? 60_000, () => {
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? 60_000} ms`));
    });
    req.on('error', (error) => {
      // The server may answer (413, 431) and close before the upload is complete.
      if (!answered) reject(error);
    });
    const body = options.body;
    if (!body || body.length < EARLY_ANSWER_BYTES) {
      req.end(body);
      return;
    }
    // A large upload: send the headers first and give the server a moment to refuse them (413
    // on Content-Length), as curl does, instead of racing the upload against its answer.
    req.flushHeaders();
    setTimeout(() => {
      if (!answered && !req.destroyed) req.end(body);
    }, 200);
  });
}

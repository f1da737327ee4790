import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { badRequest, payloadTooLarge } from '../errors.js';

/** Rejects early when the declared Content-Length is already above the limit. */
export function assertDeclaredLengthWithin(req: IncomingMessage, limitBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw payloadTooLarge(limitBytes);
}

/**
 * A pass-through stream that fails with a 413 HttpError as soon as more than `limitBytes`
 * have flowed through it, so an oversized body is never buffered in full.
 */
export function createByteLimiter(limitBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limitBytes) callback(payloadTooLarge(limitBytes));
      else callback(null, chunk);
    },
  });
}

/** Reads the whole request body into memory, enforcing the limit while streaming. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  assertDeclaredLengthWithin(req, limitBytes);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limitBytes) {
        cleanup();
        reject(payloadTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, length));
    };
    const onAborted = (): void => {
      cleanup();
      reject(badRequest('request body was not received completely (client aborted)'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(badRequest(`request body could not be read: ${error.message}`));
    };
    function cleanup(): void {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
  });
}

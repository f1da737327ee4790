import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { HttpError, badRequest, payloadTooLarge } from '../errors.js';
import { assertDeclaredLengthWithin, createByteLimiter } from './read-body.js';

export const IMAGE_FIELD = 'img';
const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 1024;

export interface MultipartPayload {
  image: Buffer;
  fields: Array<[string, string]>;
}

/**
 * Parses a multipart/form-data body in memory: the image file in field `img`, plus small
 * text fields (options). Limits are enforced while streaming; nothing touches the disk.
 */
export function parseMultipart(
  req: IncomingMessage,
  limitBytes: number,
): Promise<MultipartPayload> {
  assertDeclaredLengthWithin(req, limitBytes);
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          files: 1,
          fileSize: limitBytes,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
          parts: MAX_FIELDS + 1,
        },
      });
    } catch (error) {
      reject(badRequest(`malformed multipart request: ${(error as Error).message}`));
      return;
    }
    const limiter = createByteLimiter(limitBytes);
    const fields: Array<[string, string]> = [];
    let image: Buffer | undefined;
    let settled = false;

    const fail = (error: HttpError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(limiter);
      limiter.unpipe(parser);
      reject(error);
    };

    parser.on('file', (name, stream) => {
      if (name !== IMAGE_FIELD) {
        stream.resume();
        fail(
          badRequest(`unexpected file field "${name}"; send the image in field "${IMAGE_FIELD}"`),
        );
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        fail(payloadTooLarge(limitBytes));
      });
      stream.on('end', () => {
        image = Buffer.concat(chunks);
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        fail(badRequest(`form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes`));
      else fields.push([name, value]);
    });
    parser.on('filesLimit', () => {
      fail(badRequest(`send exactly one file, in field "${IMAGE_FIELD}"`));
    });
    parser.on('fieldsLimit', () => {
      fail(badRequest(`too many form fields (at most ${MAX_FIELDS})`));
    });
    parser.on('partsLimit', () => {
      fail(badRequest(`too many form parts (at most ${MAX_FIELDS + 1})`));
    });
    parser.on('error', (error: Error) => {
      fail(badRequest(`malformed multipart request: ${error.message}`));
    });
    parser.on('close', () => {
      if (settled) return;
      if (image === undefined) {
        fail(badRequest(`multipart request has no file in field "${IMAGE_FIELD}"`));
        return;
      }
      settled = true;
      resolve({ image, fields });
    });
    limiter.on('error', (error: Error) => {
      fail(error instanceof HttpError ? error : badRequest(error.message));
    });
    req.on('aborted', () => {
      fail(badRequest('request body was not received completely (client aborted)'));
    });
    req.pipe(limiter).pipe(parser);
  });
}

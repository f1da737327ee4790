import type { IncomingMessage } from 'node:http';
import { badRequest, unsupportedMediaType } from '../errors.js';
import { collectRawOptions, parseOptions, type RequestOptions } from '../options.js';
import { mediaTypeOf } from './content-type.js';
import { parseJsonPayload } from './json-body.js';
import { parseMultipart } from './multipart.js';
import { readBody } from './read-body.js';

export interface ImageRequest {
  image: Buffer;
  options: RequestOptions;
}

const ACCEPTED_TYPES_TEXT =
  'multipart/form-data (file in field "img"), a raw image body (image/jpeg, image/png, image/webp) or application/json ({"img": "<base64>"})';

async function readPayload(
  req: IncomingMessage,
  maxBodyBytes: number,
): Promise<{ image: Buffer; fields: Array<[string, unknown]> }> {
  const mediaType = mediaTypeOf(req.headers);
  if (mediaType === 'multipart/form-data') return parseMultipart(req, maxBodyBytes);
  if (mediaType === 'application/json') return parseJsonPayload(await readBody(req, maxBodyBytes));
  if (
    mediaType.startsWith('image/') ||
    mediaType === 'application/octet-stream' ||
    mediaType === ''
  ) {
    return { image: await readBody(req, maxBodyBytes), fields: [] };
  }
  throw unsupportedMediaType(
    `unsupported Content-Type "${mediaType}"; send ${ACCEPTED_TYPES_TEXT}`,
  );
}

/** Reads the photo and the options of a classify request, in any of the three accepted forms. */
export async function parseImageRequest(
  req: IncomingMessage,
  url: URL,
  maxBodyBytes: number,
): Promise<ImageRequest> {
  const { image, fields } = await readPayload(req, maxBodyBytes);
  if (image.length === 0) throw badRequest('the image is empty (0 bytes)');
  const entries: Array<[string, unknown]> = [...url.searchParams.entries(), ...fields];
  return { image, options: parseOptions(collectRawOptions(entries, 'option')) };
}

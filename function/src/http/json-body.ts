import { badRequest } from '../errors.js';
import { IMAGE_FIELD } from './multipart.js';

const DATA_URL_PREFIX = /^data:[\w.+-]+\/[\w.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export interface JsonPayload {
  image: Buffer;
  fields: Array<[string, unknown]>;
}

/** Decodes standard or URL-safe base64 (an optional data: URL prefix and whitespace are allowed). */
export function decodeBase64Image(text: string): Buffer {
  const compact = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact.length === 0) throw badRequest(`JSON field "${IMAGE_FIELD}" is empty`);
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw badRequest(`JSON field "${IMAGE_FIELD}" is not valid base64`);
  }
  return Buffer.from(
    compact,
    compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64',
  );
}

/** Parses `{"img": "<base64>", ...options}`. */
export function parseJsonPayload(body: Buffer): JsonPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`JSON body must be an object like {"${IMAGE_FIELD}": "<base64>"}`);
  }
  const { [IMAGE_FIELD]: encoded, ...fields } = parsed as Record<string, unknown>;
  if (typeof encoded !== 'string') {
    throw badRequest(`JSON field "${IMAGE_FIELD}" is required and must be a base64 string`);
  }
  return { image: decodeBase64Image(encoded), fields: Object.entries(fields) };
}

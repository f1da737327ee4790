/**
 * Reading a classify request: the photo (raw body, JSON base64 or multipart) and its options
 * (query string, JSON fields or form fields), with the body limit enforced while reading.
 */
import busboy from 'busboy';
import express, { type Request, type RequestHandler, type Response } from 'express';
import {
  checkOption,
  isOptionName,
  OPTION_NAMES,
  OPTIONS,
  type OptionName,
} from '../../lib/options/options.js';
import { badRequest, HttpError, payloadTooLarge, unsupportedMediaType } from './errors.js';
import type { PhotoOptions } from './pipeline/run-pipeline.js';

export const IMAGE_FIELD = 'img';
const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 1024;

const ACCEPTED_TYPES_TEXT =
  'multipart/form-data (file in field "img"), a raw image body (image/jpeg, image/png, image/webp) or application/json ({"img": "<base64>"})';

export interface ImageRequest {
  image: Buffer;
  options: PhotoOptions;
}

/** The media type of the Content-Type header, lower-cased, without parameters ('' when absent). */
function mediaTypeOf(req: Request): string {
  const header = req.headers['content-type'] ?? '';
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

const isRawImageType = (mediaType: string): boolean =>
  mediaType.startsWith('image/') || mediaType === 'application/octet-stream' || mediaType === '';

/**
 * Refuses before reading the body: an unsupported Content-Type (415) and a declared
 * Content-Length above the limit (413, answered at once, before the upload).
 */
function checkDeclaredBody(req: Request, limitBytes: number): void {
  const mediaType = mediaTypeOf(req);
  if (
    mediaType !== 'multipart/form-data' &&
    mediaType !== 'application/json' &&
    !isRawImageType(mediaType)
  ) {
    throw unsupportedMediaType(
      `unsupported Content-Type "${mediaType}"; send ${ACCEPTED_TYPES_TEXT}`,
    );
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw payloadTooLarge(limitBytes);
}

/** What a body holds: the photo and the option fields next to it. */
interface Payload {
  image: Buffer;
  fields: Array<[string, unknown]>;
}

function multipartParser(req: Request, limitBytes: number): busboy.Busboy {
  try {
    return busboy({
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
    throw badRequest(`malformed multipart request: ${(error as Error).message}`);
  }
}

/** busboy's limit events, each as the refusal it becomes. */
const LIMIT_REFUSALS = {
  filesLimit: () => badRequest(`send exactly one file, in field "${IMAGE_FIELD}"`),
  fieldsLimit: () => badRequest(`too many form fields (at most ${MAX_FIELDS})`),
  partsLimit: () => badRequest(`too many form parts (at most ${MAX_FIELDS + 1})`),
} as const;

/**
 * Parses a multipart/form-data body in memory with busboy: the image file in field `img`,
 * plus small text fields (options). Limits are enforced while streaming; nothing touches the disk.
 */
function parseMultipart(req: Request, limitBytes: number): Promise<Payload> {
  return new Promise((resolve, reject) => {
    const parser = multipartParser(req, limitBytes);
    const fields: Array<[string, string]> = [];
    let image: Buffer | undefined;
    let received = 0;
    let settled = false;

    const fail = (error: HttpError): void => {
      if (settled) return;
      settled = true;
      req.off('data', countBytes);
      req.unpipe(parser);
      reject(error);
    };
    // Whole-body limit (busboy's limits are per part).
    const countBytes = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) fail(payloadTooLarge(limitBytes));
    };

    parser.on('file', (name, stream) => {
      // A form cut short inside a file part errors the part's stream (busboy: "Unexpected end
      // of form"); unheard, that error would end the process.
      stream.on('error', (error: Error) => {
        fail(badRequest(`malformed multipart request: ${error.message}`));
      });
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
    for (const [event, refusal] of Object.entries(LIMIT_REFUSALS))
      parser.on(event as keyof typeof LIMIT_REFUSALS, () => {
        fail(refusal());
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
    req.on('aborted', () => {
      fail(badRequest('request body was not received completely (client aborted)'));
    });
    req.on('data', countBytes);
    req.pipe(parser);
  });
}

const DATA_URL_PREFIX = /^data:[\w.+-]+\/[\w.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

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

/** Splits a parsed JSON body `{"img": "<base64>", ...options}` into the photo and the option fields. */
export function jsonPayload(parsed: unknown): Payload {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`JSON body must be an object like {"${IMAGE_FIELD}": "<base64>"}`);
  }
  const { [IMAGE_FIELD]: encoded, ...fields } = parsed as Record<string, unknown>;
  if (typeof encoded !== 'string') {
    throw badRequest(`JSON field "${IMAGE_FIELD}" is required and must be a base64 string`);
  }
  return { image: decodeBase64Image(encoded), fields: Object.entries(fields) };
}

/** Runs one express middleware (a body parser) to its end. */
function run(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    // express's body parsers pass their error (an Error) or nothing.
    void middleware(req, res, (error?: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error('the body could not be read'));
      else resolve();
    });
  });
}

/**
 * Reads classify requests: the photo (express.raw for image bodies, express.json for
 * `{"img": ...}`, busboy for multipart) and its options (query string, JSON or form fields),
 * with the body limit enforced while reading. The parsers do not inflate Content-Encoding:
 * the limit is on the bytes received.
 */
export function createRequestReader(
  limitBytes: number,
): (req: Request, res: Response) => Promise<ImageRequest> {
  const raw = express.raw({
    type: (req) => isRawImageType(mediaTypeOf(req as Request)),
    limit: limitBytes,
    inflate: false,
  });
  const json = express.json({
    type: (req) => mediaTypeOf(req as Request) === 'application/json',
    limit: limitBytes,
    inflate: false,
    strict: false,
  });
  const readBody = async (req: Request, res: Response): Promise<Payload> => {
    const mediaType = mediaTypeOf(req);
    if (mediaType === 'multipart/form-data') return parseMultipart(req, limitBytes);
    if (mediaType === 'application/json') {
      await run(json, req, res);
      return jsonPayload(req.body);
    }
    await run(raw, req, res);
    const body: unknown = req.body;
    return { image: Buffer.isBuffer(body) ? body : Buffer.alloc(0), fields: [] };
  };
  return async (req, res) => {
    checkDeclaredBody(req, limitBytes);
    // An empty photo is refused by its decode (lib/vision EmptyImageError: 400), as any other.
    const { image, fields } = await readBody(req, res);
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const entries: Array<[string, unknown]> = [...query.entries(), ...fields];
    return { image, options: parseOptions(collectRawOptions(entries, 'option')) };
  };
}

/**
 * The options of one request (query parameters, JSON fields or form fields) are checked
 * against lib/options; the thresholds left out fall back to the detector's model-card defaults.
 */
export const DEFAULT_OPTIONS: Readonly<PhotoOptions> = {
  format: OPTIONS.format.default as PhotoOptions['format'],
  quality: OPTIONS.quality.default,
};

export type RawOptions = Partial<Record<OptionName, unknown>>;

/** The checked value of one option; a 400 naming the option and the value otherwise. */
function checked(name: OptionName, value: unknown): number | string {
  const result = checkOption(name, value);
  if (result.error !== undefined) throw badRequest(`option ${name} ${result.error}`);
  return result.value;
}

/** Validates raw option values (lib/options); throws a 400 HttpError naming the first bad option. */
export function parseOptions(raw: RawOptions): PhotoOptions {
  const options: PhotoOptions = { ...DEFAULT_OPTIONS };
  const given = (name: OptionName) => raw[name] !== undefined;
  if (given('min_confidence'))
    options.minConfidence = checked('min_confidence', raw.min_confidence) as number;
  if (given('iou')) options.iou = checked('iou', raw.iou) as number;
  if (given('max_detections'))
    options.maxDetections = checked('max_detections', raw.max_detections) as number;
  if (given('format')) options.format = checked('format', raw.format) as PhotoOptions['format'];
  if (given('quality')) options.quality = checked('quality', raw.quality) as number;
  return options;
}

/** Collects options from name/value pairs (query string, form fields), rejecting unknown names. */
export function collectRawOptions(
  entries: Iterable<[string, unknown]>,
  source: string,
): RawOptions {
  const raw: RawOptions = {};
  for (const [name, value] of entries) {
    if (!isOptionName(name)) {
      throw badRequest(`unknown ${source} "${name}"; known options: ${OPTION_NAMES.join(', ')}`);
    }
    if (raw[name] !== undefined) throw badRequest(`option ${name} given more than once`);
    raw[name] = value;
  }
  return raw;
}

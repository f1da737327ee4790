/**
 * Hostile and odd inputs for the function, generated in code. Every case states what the
 * function must answer: the documented 4xx with a JSON error, or 200 for odd but supported
 * images (then the size the answer must report, after EXIF orientation).
 */
import sharp from 'sharp';
import { DEFAULT_FUNCTION_CONFIG } from '../../function/src/config.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

export interface HostileRequest {
  /** Path and query, default "/". */
  path?: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HostileCase {
  name: string;
  build(): HostileRequest | Promise<HostileRequest>;
  status: number;
  /** The error code for 4xx answers. */
  code?: string;
  /** For 200: the image size the answer must report. */
  size?: { width: number; height: number };
}

const DEFAULT_BODY_LIMIT = DEFAULT_FUNCTION_CONFIG.maxBodyBytes;

const raw = (body: Buffer, type: string, path?: string): HostileRequest => ({
  path,
  headers: { 'content-type': type },
  body,
});
const json = (value: string): HostileRequest => raw(Buffer.from(value), 'application/json');

function multipart(
  parts: Array<{ name: string; filename?: string; type?: string; data: Buffer }>,
): HostileRequest {
  const boundary = '----hostile-boundary-7d1f';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head), part.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return raw(Buffer.concat(chunks), `multipart/form-data; boundary=${boundary}`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A well-formed PNG header (valid CRCs) declaring width x height, with almost no pixel data. */
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real JPEG whose frame header (SOF) is patched to declare width x height. */
async function jpegDeclaring(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await tile(16, 16).jpeg().toBuffer());
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF marker in the generated JPEG');
}

const tile = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 226, g: 196, b: 40 } } });

const photo = (width = 320, height = 240) => syntheticBananaPhoto({ width, height, bananas: 1 });

async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    ['#f4d03f', '#6b8e23', '#5c4326'].map((background) =>
      sharp({ create: { width: 16, height: 16, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .gif({ loop: 0 })
    .toBuffer();
}

const XXE_SVG = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text x="0" y="20">&xxe;</text></svg>`;

export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'zero bytes',
    build: () => raw(Buffer.alloc(0), 'image/jpeg'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'plain text as octet-stream',
    build: () => raw(Buffer.from('hello, this is not a photo\n'), 'application/octet-stream'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'HTML page',
    build: () =>
      raw(
        Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
        'text/html',
      ),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'HTML labelled as a JPEG',
    build: () => raw(Buffer.from('<html><body>hi</body></html>'), 'image/jpeg'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON garbage',
    build: () => json('{"img": [1, 2, {"nested": '),
    status: 400,
    code: 'bad_request',
  },
  { name: 'JSON array', build: () => json('[1, 2, 3]'), status: 400, code: 'bad_request' },
  {
    name: 'JSON img not a string',
    build: () => json('{"img": {"$ne": null}}'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'truncated JPEG',
    build: async () => raw((await photo(640, 480)).subarray(0, 4000), 'image/jpeg'),
    status: 422,
    code: 'unprocessable_image',
  },
  {
    name: 'truncated PNG',
    build: async () =>
      raw(
        (await syntheticBananaPhoto({ width: 320, height: 240, format: 'png' })).subarray(0, 600),
        'image/png',
      ),
    status: 422,
    code: 'unprocessable_image',
  },
  {
    name: 'JPEG header only (SOI + garbage)',
    build: () =>
      raw(
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 0x41)]),
        'image/jpeg',
      ),
    status: 422,
    code: 'unprocessable_image',
  },
  {
    name: 'wrong Content-Type (JPEG as text/csv)',
    build: async () => raw(await photo(), 'text/csv'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'PNG header declaring 100000 x 100000 (bomb)',
    build: () => raw(pngDeclaring(100_000, 100_000), 'image/png'),
    status: 422,
    code: 'unprocessable_image',
  },
  {
    name: 'JPEG header declaring 65000 x 65000 (bomb)',
    build: async () => raw(await jpegDeclaring(65_000, 65_000), 'image/jpeg'),
    status: 422,
    code: 'unprocessable_image',
  },
  {
    name: '1x1 image',
    build: async () => raw(await tile(1, 1).png().toBuffer(), 'image/png'),
    status: 200,
    size: { width: 1, height: 1 },
  },
  {
    name: '16-bit PNG',
    build: async () =>
      raw(
        await sharp(await photo())
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
        'image/png',
      ),
    status: 200,
    size: { width: 320, height: 240 },
  },
  {
    name: 'grayscale JPEG',
    build: async () =>
      raw(
        await sharp(await photo())
          .greyscale()
          .jpeg()
          .toBuffer(),
        'image/jpeg',
      ),
    status: 200,
    size: { width: 320, height: 240 },
  },
  {
    name: 'CMYK JPEG',
    build: async () =>
      raw(
        await sharp(await photo())
          .toColourspace('cmyk')
          .jpeg()
          .toBuffer(),
        'image/jpeg',
      ),
    status: 200,
    size: { width: 320, height: 240 },
  },
  {
    name: 'palette PNG',
    build: async () =>
      raw(
        await sharp(await photo())
          .png({ palette: true, colours: 16 })
          .toBuffer(),
        'image/png',
      ),
    status: 200,
    size: { width: 320, height: 240 },
  },
  {
    name: 'PNG with alpha',
    build: async () =>
      raw(
        await sharp(await photo())
          .ensureAlpha(0.5)
          .png()
          .toBuffer(),
        'image/png',
      ),
    status: 200,
    size: { width: 320, height: 240 },
  },
  {
    name: 'EXIF-rotated JPEG (orientation 6)',
    build: async () =>
      raw(
        await sharp(await photo(320, 240))
          .withMetadata({ orientation: 6 })
          .jpeg()
          .toBuffer(),
        'image/jpeg',
      ),
    status: 200,
    size: { width: 240, height: 320 },
  },
  {
    name: 'animated GIF',
    build: async () => raw(await animatedGif(), 'image/gif'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'TIFF',
    build: async () => raw(await tile(32, 32).tiff().toBuffer(), 'image/tiff'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'SVG (no renderer for untrusted input)',
    build: () =>
      raw(
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="yellow"/></svg>',
        ),
        'image/svg+xml',
      ),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'SVG with external entity, labelled image/png',
    build: () => raw(Buffer.from(XXE_SVG), 'image/png'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'HEIC-like junk',
    build: () =>
      raw(
        Buffer.concat([
          Buffer.from([0, 0, 0, 24]),
          Buffer.from('ftypheic\0\0\0\0mif1heic'),
          Buffer.alloc(512, 0x5a),
        ]),
        'image/heic',
      ),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'PDF',
    build: () =>
      raw(
        Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
        'application/octet-stream',
      ),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body over the limit',
    build: () => raw(Buffer.alloc(DEFAULT_BODY_LIMIT + 1024, 0xff), 'image/jpeg'),
    status: 413,
    code: 'payload_too_large',
  },
  { name: 'empty multipart', build: () => multipart([]), status: 400, code: 'bad_request' },
  {
    name: 'multipart without img',
    build: () =>
      multipart([
        {
          name: 'photo',
          filename: 'a.jpg',
          type: 'image/jpeg',
          data: Buffer.from([0xff, 0xd8, 0xff]),
        },
      ]),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'multipart with two files',
    build: () =>
      multipart([
        { name: 'img', filename: 'a.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8]) },
        { name: 'img', filename: 'b.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8]) },
      ]),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'multipart with a broken boundary',
    build: () => ({
      headers: { 'content-type': 'multipart/form-data; boundary=abc' },
      body: Buffer.from('--xyz\r\nContent-Disposition: form-data; name="img"\r\n\r\nzz'),
    }),
    status: 400,
    code: 'bad_request',
  },
  // Found by fuzzing: busboy errors the open file part's stream, which once ended the process.
  ...['img', 'photo'].map((field) => ({
    name: `multipart cut short inside the file part of field "${field}"`,
    build: () => {
      const whole = multipart([
        { name: field, filename: 'a.jpg', type: 'image/jpeg', data: Buffer.alloc(64, 0xd8) },
      ]);
      return { ...whole, body: whole.body.subarray(0, whole.body.length - 40) };
    },
    status: 400,
    code: 'bad_request',
  })),
  {
    name: 'multipart without a boundary',
    build: () => raw(Buffer.from('whatever'), 'multipart/form-data'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'invalid base64',
    build: () => json('{"img": "@@@@ not base64 @@@@"}'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'base64 of a non-image',
    build: () =>
      json(JSON.stringify({ img: Buffer.from('just some text, not an image').toString('base64') })),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'non-JSON with a JSON content type',
    build: () => json('img=abc&format=none'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'very long query value (8 KiB)',
    build: async () => raw(await photo(), 'image/jpeg', `/?format=${'x'.repeat(8 * 1024)}`),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'very long query (64 KiB, above the header limit)',
    build: async () =>
      raw(await photo(), 'image/jpeg', `/?min_confidence=${'9'.repeat(64 * 1024)}`),
    status: 431,
    code: 'bad_request',
  },
  {
    name: 'unknown option',
    build: async () => raw(await photo(), 'image/jpeg', '/?threshold=0.5'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'option given twice',
    build: async () => raw(await photo(), 'image/jpeg', '/?format=none&format=jpeg'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'NaN option',
    build: async () => raw(await photo(), 'image/jpeg', '/?min_confidence=NaN'),
    status: 400,
    code: 'bad_request',
  },
];

// Fuzzing the function's request reader through its HTTP port (on fake model services):
// generated raw bodies, JSON with base64 (or not) and option fields, multipart forms (well
// formed or cut short), any Content-Type and query options. Each request gets a 200 answer or
// a 4xx in the JSON error shape, never a 5xx, a hang or a crash; the function serves a plain
// photo afterwards. FUZZ_RUNS scales the runs (npm run test:fuzz).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { OPTION_NAMES } from '../../lib/options/options.js';
import {
  detections,
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../../test/support/fake-model-services.js';
import { fuzzParameters } from '../../test/support/fuzz.js';
import { imageSpec, realise, type ImageSpec } from '../../test/support/fuzz-model-service.js';
import type { FunctionServer } from './server.js';

const optionName = fc.oneof(fc.constantFrom(...OPTION_NAMES, 'img', 'format'), fc.string());
const optionValue = fc.oneof(
  fc.constantFrom('0', '1', '0.5', '-1', 'NaN', '1e9', 'none', 'jpeg', '', ' 3 '),
  fc.string(),
);

type Body =
  | { kind: 'raw'; image: ImageSpec }
  | { kind: 'json'; img: unknown; fields: [string, unknown][]; broken: boolean }
  | {
      kind: 'multipart';
      image?: ImageSpec;
      field: string;
      fields: [string, string][];
      cut: boolean;
    }
  | { kind: 'bytes'; bytes: Uint8Array };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('raw' as const), image: imageSpec }),
  fc.record({
    kind: fc.constant('json' as const),
    img: fc.oneof(imageSpec, fc.jsonValue(), fc.string()),
    fields: fc.array(fc.tuple(optionName, fc.jsonValue()), { maxLength: 4 }),
    broken: fc.boolean(),
  }),
  fc.record(
    {
      kind: fc.constant('multipart' as const),
      image: imageSpec,
      field: fc.constantFrom('img', 'image', ''),
      fields: fc.array(fc.tuple(optionName, optionValue), { maxLength: 4 }),
      cut: fc.boolean(),
    },
    { requiredKeys: ['kind', 'field', 'fields', 'cut'] },
  ),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'image/jpeg',
    'image/png',
    'application/octet-stream',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'multipart/form-data',
    '',
  ),
  fc.string(),
);

const isImageSpec = (value: unknown): value is ImageSpec =>
  typeof value === 'object' && value !== null && 'kind' in value;

/** The request's body bytes and the Content-Type it goes with (undefined: the generated one). */
async function bodyOf(b: Body): Promise<{ bytes: Buffer; type?: string }> {
  switch (b.kind) {
    case 'raw':
      return { bytes: await realise(b.image) };
    case 'bytes':
      return { bytes: Buffer.from(b.bytes) };
    case 'json': {
      const img = isImageSpec(b.img) ? (await realise(b.img)).toString('base64') : b.img;
      const text = JSON.stringify({ img, ...Object.fromEntries(b.fields) });
      return { bytes: Buffer.from(b.broken ? text.slice(0, -1) : text) };
    }
    case 'multipart': {
      const boundary = 'fuzz-boundary';
      const parts = b.fields.map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
      const file = b.image
        ? Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${b.field}"; filename="p"\r\n` +
                'Content-Type: image/jpeg\r\n\r\n',
            ),
            await realise(b.image),
            Buffer.from('\r\n'),
          ])
        : Buffer.alloc(0);
      const all = Buffer.concat([
        Buffer.from(parts.join('')),
        file,
        Buffer.from(`--${boundary}--\r\n`),
      ]);
      return {
        bytes: b.cut ? all.subarray(0, Math.floor(all.length / 2)) : all,
        type: `multipart/form-data; boundary=${boundary}`,
      };
    }
  }
}

describe('function request reader under generated requests', () => {
  let services: FakeModelServices;
  let fn: FunctionServer;

  before(async () => {
    services = await startFakeModelServices();
    services.handlers.detect = (_call, callback) => {
      callback(null, detections([{ xMin: 1, yMin: 1, xMax: 20, yMax: 12 }]));
    };
    fn = await startFunctionOn(services, { maxBodyBytes: 64 * 1024 });
  });
  after(async () => {
    await fn.close();
    services.close();
  });

  it('answers 200 or a 4xx in the JSON error shape, never a 5xx', async () => {
    const request = fc.record({
      path: fc.constantFrom('/', '/classify'),
      body,
      contentType: fc.option(contentType, { nil: undefined }),
      query: fc.array(fc.tuple(optionName, optionValue), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { bytes, type } = await bodyOf(r.body);
        const query = new URLSearchParams(r.query).toString();
        const headerType = type ?? r.contentType;
        let answer: Response;
        try {
          answer = await fetch(`${fn.url}${r.path}${query ? `?${query}` : ''}`, {
            method: 'POST',
            // a header value fetch refuses to send is no request at all
            headers: headerType === undefined ? {} : { 'content-type': headerType },
            body: bytes,
            signal: AbortSignal.timeout(20_000),
          });
        } catch (error) {
          if (
            (error as Error).name === 'TypeError' &&
            /header/i.test(String((error as Error).cause ?? error))
          )
            return;
          throw error;
        }
        const text = await answer.text();
        assert.ok(answer.status < 500, `${answer.status} ${text.slice(0, 200)}`);
        const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        if (answer.status !== 200) {
          assert.equal(typeof json.error?.code, 'string', text);
          assert.equal(typeof json.error?.message, 'string', text);
        }
      }),
      fuzzParameters(150),
    );
  });

  it('still answers a plain photo afterwards', async () => {
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#c0c020' },
    })
      .jpeg()
      .toBuffer();
    const answer = await fetch(`${fn.url}/?format=none`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: photo,
    });
    assert.equal(answer.status, 200);
    assert.equal((await fetch(`${fn.url}/_/health`)).status, 200);
  });
});

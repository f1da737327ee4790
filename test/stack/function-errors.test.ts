// Every refusal the function answers, as JSON {"error":{"code","message"}} with the right
// status and never a stack trace; the function keeps serving afterwards.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { FunctionServer } from '../../function/src/server.js';
import { assertError, assertWellFormed, post } from './answers.js';
import { startSecondFunction, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

const stack = useLocalStack();
const jpeg = () => syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
const postImage = (url: string, body: Buffer, type = 'image/jpeg') =>
  post(url, { body, headers: { 'content-type': type } });

/** A second function on the same replicas with tighter limits. */
function useStrictFunction(
  overrides: Parameters<typeof startSecondFunction>[1],
): () => FunctionServer {
  let server: FunctionServer | undefined;
  before(async () => {
    server = await startSecondFunction(stack(), overrides);
  });
  after(async () => server?.close());
  return () => server as FunctionServer;
}

describe('400 malformed requests', () => {
  it('rejects broken JSON, a missing or non-base64 img, and bad options', async () => {
    const url = stack().functionUrl;
    const json = (body: string) =>
      post(url, { body, headers: { 'content-type': 'application/json' } });
    assertError(await json('{"img": '), 400, 'bad_request', /not valid JSON/);
    assertError(await json('{"image": "abc"}'), 400, 'bad_request', /"img" is required/);
    assertError(await json('{"img": "***"}'), 400, 'bad_request', /not valid base64/);
    assertError(
      await postImage(`${url}/?min_confidence=2`, await jpeg()),
      400,
      'bad_request',
      /min_confidence must be in \[0, 1\]/,
    );
    assertError(await postImage(`${url}/?quality=0`, await jpeg()), 400, 'bad_request', /quality/);
    assertError(await postImage(`${url}/?format=gif`, await jpeg()), 400, 'bad_request', /format/);
    assertError(
      await postImage(`${url}/?threshold=0.5`, await jpeg()),
      400,
      'bad_request',
      /unknown option "threshold"/,
    );
    assertError(await postImage(url, Buffer.alloc(0)), 400, 'bad_request', /empty/);
  });

  it('rejects multipart without the img field', async () => {
    const form = new FormData();
    form.append('photo', new Blob([await jpeg()], { type: 'image/jpeg' }), 'x.jpg');
    assertError(await post(stack().functionUrl, { body: form }), 400, 'bad_request', /field "img"/);
    const fieldsOnly = new FormData();
    fieldsOnly.append('min_confidence', '0.5');
    assertError(
      await post(stack().functionUrl, { body: fieldsOnly }),
      400,
      'bad_request',
      /no file in field "img"/,
    );
  });
});

describe('413 too large', () => {
  const strict = useStrictFunction({ maxBodyBytes: 64 * 1024 });

  it('states the limit, whether the size is declared or only streamed', async () => {
    const big = Buffer.alloc(200 * 1024, 7);
    assertError(
      await postImage(strict().url, big),
      413,
      'payload_too_large',
      /limit of 65536 bytes \(0\.1 MiB\)/,
    );
    // Chunked upload: no Content-Length, the limit trips while streaming.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${strict().url}/`,
        { method: 'POST', headers: { 'content-type': 'image/jpeg' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i += 1) req.write(Buffer.alloc(16 * 1024, i));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /"payload_too_large"/);
  });

  it('applies the limit to multipart and JSON bodies too', async () => {
    const form = new FormData();
    form.append('img', new Blob([Buffer.alloc(100 * 1024)], { type: 'image/jpeg' }), 'big.jpg');
    assertError(await post(strict().url, { body: form }), 413, 'payload_too_large');
    const json = JSON.stringify({ img: Buffer.alloc(100 * 1024).toString('base64') });
    assertError(
      await post(strict().url, { body: json, headers: { 'content-type': 'application/json' } }),
      413,
      'payload_too_large',
    );
  });
});

describe('415 unsupported', () => {
  it('refuses GIF, TIFF, SVG, HEIC and non-images by their bytes, and unknown content types', async () => {
    const url = stack().functionUrl;
    const tile = () =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: '#fdd835' } });
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.alloc(64),
    ]);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    assertError(
      await postImage(url, await tile().gif().toBuffer(), 'image/gif'),
      415,
      'unsupported_media_type',
      /GIF/,
    );
    assertError(
      await postImage(url, await tile().tiff().toBuffer(), 'image/tiff'),
      415,
      'unsupported_media_type',
      /TIFF/,
    );
    assertError(await postImage(url, svg, 'image/svg+xml'), 415, 'unsupported_media_type', /SVG/);
    assertError(await postImage(url, heic, 'image/heic'), 415, 'unsupported_media_type', /HEIF/);
    assertError(
      await postImage(url, Buffer.from('hello'), 'image/jpeg'),
      415,
      'unsupported_media_type',
      /not a JPEG, PNG or WebP/,
    );
    assertError(
      await postImage(url, await jpeg(), 'text/plain'),
      415,
      'unsupported_media_type',
      /Content-Type "text\/plain"/,
    );
  });
});

describe('422 undecodable', () => {
  const strict = useStrictFunction({ maxImagePixels: 10_000 });

  it('refuses a truncated JPEG', async () => {
    const whole = await syntheticBananaPhoto({ width: 640, height: 480 });
    assertError(
      await postImage(stack().functionUrl, whole.subarray(0, whole.length / 2)),
      422,
      'unprocessable_image',
    );
  });

  it('refuses more pixels than the limit, naming it', async () => {
    assertError(
      await postImage(strict().url, await jpeg()),
      422,
      'unprocessable_image',
      /320x240 = 76800 pixels, above the limit of 10000/,
    );
  });
});

describe('504 deadline', () => {
  const hurried = useStrictFunction({ detectDeadlineMs: 1 });

  it('answers 504 when the detector misses its deadline, and counts it', async () => {
    assertError(
      await postImage(hurried().url, await jpeg()),
      504,
      'upstream_timeout',
      /detector service did not answer within 1 ms/,
    );
    const metrics = await (await fetch(`${hurried().url}/metrics`)).text();
    assert.match(
      metrics,
      /banana_function_upstream_errors_total\{service="detector",code="DEADLINE_EXCEEDED"\} 1/,
    );
    assert.match(metrics, /banana_function_requests_total\{code="504"\} 1/);
  });
});

describe('after all the refusals', () => {
  it('still serves', async () => {
    const result = await postImage(stack().functionUrl, await jpeg());
    assert.equal(result.status, 200);
    await assertWellFormed(result.body, { width: 320, height: 240 });
  });
});

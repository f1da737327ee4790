import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../errors.js';
import { decodeBase64Image, parseJsonPayload } from './json-body.js';

const isBadRequest = (message: RegExp) => (error: unknown) =>
  error instanceof HttpError && error.status === 400 && message.test(error.message);

describe('decodeBase64Image', () => {
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xff]);
  it('decodes standard, URL-safe, wrapped and data-URL base64', () => {
    assert.deepEqual(decodeBase64Image(bytes.toString('base64')), bytes);
    assert.deepEqual(decodeBase64Image(bytes.toString('base64url')), bytes);
    assert.deepEqual(
      decodeBase64Image(`data:image/jpeg;base64,${bytes.toString('base64')}`),
      bytes,
    );
    assert.deepEqual(decodeBase64Image(`/9j/\n4Pv/`), bytes);
  });
  it('rejects text that is not base64', () => {
    assert.throws(() => decodeBase64Image('not base64!'), isBadRequest(/not valid base64/));
    assert.throws(() => decodeBase64Image('abcde'), isBadRequest(/not valid base64/));
    assert.throws(() => decodeBase64Image(''), isBadRequest(/is empty/));
  });
});

describe('parseJsonPayload', () => {
  it('splits the image from the option fields', () => {
    const payload = parseJsonPayload(
      Buffer.from(JSON.stringify({ img: 'AAEC', min_confidence: 0.3 })),
    );
    assert.deepEqual(payload, { image: Buffer.from([0, 1, 2]), fields: [['min_confidence', 0.3]] });
  });
  it('rejects invalid JSON, non-objects and a missing img', () => {
    assert.throws(() => parseJsonPayload(Buffer.from('{')), isBadRequest(/not valid JSON/));
    assert.throws(() => parseJsonPayload(Buffer.from('[1]')), isBadRequest(/must be an object/));
    assert.throws(
      () => parseJsonPayload(Buffer.from('{"image":"AAEC"}')),
      isBadRequest(/"img" is required/),
    );
    assert.throws(
      () => parseJsonPayload(Buffer.from('{"img":42}')),
      isBadRequest(/"img" is required/),
    );
  });
});

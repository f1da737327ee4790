import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from './errors.js';
import {
  DEFAULT_OPTIONS,
  collectRawOptions,
  decodeBase64Image,
  jsonPayload,
  parseOptions,
} from './request.js';

function assertBadRequest(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof HttpError && error.status === 400 && message.test(error.message),
  );
}

describe('parseOptions', () => {
  it('uses defaults when nothing is given', () => {
    assert.deepEqual(parseOptions({}), DEFAULT_OPTIONS);
  });
  it('accepts strings (query/form) and numbers (JSON)', () => {
    assert.deepEqual(
      parseOptions({
        min_confidence: '0.4',
        iou: 0.6,
        max_detections: '10',
        format: 'none',
        quality: 70,
      }),
      {
        minConfidence: 0.4,
        iou: 0.6,
        maxDetections: 10,
        format: 'none',
        quality: 70,
      },
    );
  });
  it('rejects out-of-range, non-numeric and non-integer values with a message naming the option', () => {
    assertBadRequest(
      () => parseOptions({ min_confidence: '1.5' }),
      /min_confidence must be in \[0, 1\], got 1.5/,
    );
    assertBadRequest(
      () => parseOptions({ min_confidence: 'abc' }),
      /min_confidence must be a number/,
    );
    assertBadRequest(() => parseOptions({ min_confidence: '' }), /min_confidence must be a number/);
    assertBadRequest(() => parseOptions({ iou: 0 }), /iou must be in \(0, 1\]/);
    assertBadRequest(
      () => parseOptions({ max_detections: 2.5 }),
      /max_detections must be an integer/,
    );
    assertBadRequest(
      () => parseOptions({ max_detections: 0 }),
      /max_detections must be in \[1, 300\]/,
    );
    assertBadRequest(() => parseOptions({ quality: 101 }), /quality must be in \[1, 100\]/);
    assertBadRequest(() => parseOptions({ format: 'png' }), /format must be "jpeg" or "none"/);
    assertBadRequest(() => parseOptions({ quality: true }), /quality must be a number/);
  });
});

describe('collectRawOptions', () => {
  it('rejects unknown and repeated names', () => {
    assert.deepEqual(collectRawOptions([['iou', '0.3']], 'option'), { iou: '0.3' });
    assertBadRequest(
      () => collectRawOptions([['min_conf', '0.3']], 'option'),
      /unknown option "min_conf"/,
    );
    assertBadRequest(
      () =>
        collectRawOptions(
          [
            ['iou', '0.3'],
            ['iou', '0.4'],
          ],
          'option',
        ),
      /option iou given more than once/,
    );
  });
});

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

describe('jsonPayload', () => {
  it('splits the image from the option fields', () => {
    const payload = jsonPayload({ img: 'AAEC', min_confidence: 0.3 });
    assert.deepEqual(payload, { image: Buffer.from([0, 1, 2]), fields: [['min_confidence', 0.3]] });
  });
  it('rejects non-objects and a missing img', () => {
    assert.throws(() => jsonPayload([1]), isBadRequest(/must be an object/));
    assert.throws(() => jsonPayload('AAEC'), isBadRequest(/must be an object/));
    assert.throws(() => jsonPayload({ image: 'AAEC' }), isBadRequest(/"img" is required/));
    assert.throws(() => jsonPayload({ img: 42 }), isBadRequest(/"img" is required/));
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { EmptyImageError, ImageInputError, UnsupportedImageError } from '../../lib/vision/index.js';
import { answerClientError, HttpError, toHttpError } from './errors.js';
import { grpcCodeName, UnusableAnswerError, UpstreamError } from './pipeline/errors.js';

function grpcError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details });
}

describe('toHttpError of a failed model call', () => {
  it('maps gRPC codes to HTTP statuses naming the service', () => {
    const cases: Array<[status, number, string]> = [
      [status.UNAVAILABLE, 503, 'the detector service is unavailable; try again shortly'],
      // The call was cancelled (the service went away mid-call): as unavailable, not a 502.
      [status.CANCELLED, 503, 'the detector service is unavailable; try again shortly'],
      [
        status.RESOURCE_EXHAUSTED,
        503,
        'the detector service is overloaded (queue full); try again shortly',
      ],
      [status.DEADLINE_EXCEEDED, 504, 'the detector service did not answer within 250 ms'],
      [status.INVALID_ARGUMENT, 422, 'the detector service rejected the image: queue full'],
      [status.INTERNAL, 502, 'the detector service failed (INTERNAL)'],
    ];
    for (const [code, httpStatus, message] of cases) {
      const error = toHttpError(UpstreamError.of('detector', grpcError(code, 'queue full'), 250));
      assert.equal(error.status, httpStatus, status[code]);
      assert.equal(error.message, message);
      // Unavailable and overloaded answers say when to try again.
      assert.equal(error.retryAfterSeconds, httpStatus === 503 ? 1 : undefined);
    }
  });
  it('treats non-gRPC errors as a failed service', () => {
    assert.equal(toHttpError(UpstreamError.of('classifier', new Error('boom'), 1)).status, 502);
    assert.equal(grpcCodeName(new Error('boom')), 'UNKNOWN');
    assert.equal(grpcCodeName(grpcError(status.UNAVAILABLE, '')), 'UNAVAILABLE');
  });
});

describe('answerClientError', () => {
  const server = createServer((_req, res) => res.end('ok'));
  server.on('clientError', answerClientError);
  before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  const exchange = (raw: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => {
        resolve(answer);
      });
      socket.on('error', reject);
      socket.end(raw);
    });

  it('answers a request line above the header limit with a JSON 431', async () => {
    const answer = await exchange(`GET /?q=${'9'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(answer, /content-type: application\/json/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string };
    };
    assert.equal(body.error.code, 'bad_request');
  });

  it('answers malformed HTTP with a JSON 400', async () => {
    const answer = await exchange('NOT HTTP AT ALL\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /"code":"bad_request"/);
  });
});

describe('toHttpError', () => {
  it('keeps HttpErrors and hides anything else behind a 500', () => {
    const refusal = new HttpError(503, 'upstream_unavailable', 'x');
    assert.equal(toHttpError(refusal), refusal);
    const error = toHttpError(new Error('secret path /etc'));
    assert.deepEqual(
      [error.status, error.code, error.message],
      [500, 'internal', 'internal error'],
    );
  });
});

describe('toHttpError of the photo and of unusable answers', () => {
  it('gives each photo problem its status and one clear message', () => {
    const cases: Array<[Error, number, string, string]> = [
      [new EmptyImageError('the image'), 400, 'bad_request', 'the image is empty (0 bytes)'],
      [
        new UnsupportedImageError('x', 'gif'),
        415,
        'unsupported_media_type',
        'GIF images are not supported; send JPEG, PNG or WebP',
      ],
      [
        new UnsupportedImageError('x', undefined),
        415,
        'unsupported_media_type',
        'the body is not a JPEG, PNG or WebP image',
      ],
      [
        new ImageInputError('the image is corrupt'),
        422,
        'unprocessable_image',
        'the image is corrupt',
      ],
      [
        new UnusableAnswerError('classifier', 'two results for three crops'),
        502,
        'upstream_error',
        'two results for three crops',
      ],
    ];
    for (const [error, httpStatus, code, message] of cases) {
      const answer = toHttpError(error);
      assert.deepEqual([answer.status, answer.code, answer.message], [httpStatus, code, message]);
    }
  });
});

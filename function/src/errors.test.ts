import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { answerClientError, grpcCodeName, toHttpError, upstreamHttpError } from './errors.js';

function grpcError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details });
}

describe('upstreamHttpError', () => {
  it('maps gRPC codes to HTTP statuses naming the service', () => {
    const cases: Array<[status, number, string]> = [
      [status.UNAVAILABLE, 503, 'the detector service is unavailable; try again shortly'],
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
      const error = upstreamHttpError('detector', grpcError(code, 'queue full'), 250);
      assert.equal(error.status, httpStatus);
      assert.equal(error.message, message);
    }
  });
  it('treats non-gRPC errors as a failed service', () => {
    assert.equal(upstreamHttpError('classifier', new Error('boom'), 1).status, 502);
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
    const refusal = upstreamHttpError('detector', new Error('x'), 1);
    assert.equal(toHttpError(refusal), refusal);
    const error = toHttpError(new Error('secret path /etc'));
    assert.deepEqual(
      [error.status, error.code, error.message],
      [500, 'internal', 'internal error'],
    );
  });
});

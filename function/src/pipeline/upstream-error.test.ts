import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { grpcCodeName, upstreamHttpError } from './upstream-error.js';

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

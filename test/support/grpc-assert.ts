import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { isServiceError } from '../../lib/client/index.js';

/** Asserts that `promise` rejects with gRPC status `code` and details matching `details`. */
export async function rejectsWithStatus(
  promise: Promise<unknown>,
  code: status,
  details: RegExp = /./,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isServiceError(error), `not a gRPC error: ${String(error)}`);
    assert.equal(status[error.code], status[code], `status (details: ${error.details})`);
    assert.match(error.details, details);
    return true;
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStackArgs } from './cli-args.js';

describe('parseStackArgs', () => {
  it('has defaults', () => {
    assert.deepEqual(parseStackArgs([]), {
      detectorReplicas: 1,
      classifierReplicas: 1,
      port: 8080,
      verbose: false,
      help: false,
    });
  });
  it('reads flags with separate or inline values', () => {
    const args = parseStackArgs([
      '--classifier-replicas',
      '3',
      '--detector-replicas=2',
      '--port',
      '9000',
      '--verbose',
    ]);
    assert.deepEqual(args, {
      detectorReplicas: 2,
      classifierReplicas: 3,
      port: 9000,
      verbose: true,
      help: false,
    });
  });
  it('rejects bad values and unknown flags', () => {
    assert.throws(
      () => parseStackArgs(['--classifier-replicas', '0']),
      /whole number from 1 to 16, got 0/,
    );
    assert.throws(() => parseStackArgs(['--classifier-replicas']), /got nothing/);
    assert.throws(() => parseStackArgs(['--replicas', '2']), /unknown option --replicas/);
  });
});

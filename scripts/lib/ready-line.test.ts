import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServingLine } from './ready-line.js';

describe('parseServingLine', () => {
  it('reads the ports from the serving log line', () => {
    const line =
      '{"level":"info","service":"detector","msg":"serving","grpcPort":40123,"metricsPort":40124}';
    assert.deepEqual(parseServingLine(line), { grpcPort: 40123, metricsPort: 40124 });
  });
  it('ignores other lines', () => {
    assert.equal(parseServingLine('{"msg":"loading model"}'), undefined);
    assert.equal(parseServingLine('{"msg":"serving","grpcPort":"x","metricsPort":1}'), undefined);
    assert.equal(parseServingLine('plain text'), undefined);
    assert.equal(parseServingLine('{broken'), undefined);
  });
});

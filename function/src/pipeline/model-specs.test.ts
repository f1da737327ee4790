import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetModelInfoResponse } from '../../../lib/gen/banana/v1/common.js';
import { UnusableAnswerError } from './errors.js';
import { classifyBatchSize } from './run-pipeline.js';
import { pixelInputSpec } from './model-specs.js';

function info(input: Partial<NonNullable<GetModelInfoResponse['input']>>): GetModelInfoResponse {
  return {
    input: {
      width: 320,
      height: 240,
      padValue: [114, 114, 114],
      resizeMode: 'letterbox',
      resizeKernel: 'linear',
      channelOrder: 'RGB',
      layout: 'NHWC',
      dtype: 'uint8',
      ...input,
    },
    classNames: [],
    classLabels: [],
    maxBatch: 0,
    maxImagePixels: 0,
  };
}

describe('pixelInputSpec', () => {
  it('takes size, pad value and kernel from the model info', () => {
    assert.deepEqual(pixelInputSpec('detector', info({}), 'letterbox'), {
      width: 320,
      height: 240,
      padValue: [114, 114, 114],
      kernel: 'linear',
    });
  });

  for (const [what, input, message] of [
    ['a zero size', { width: 0 }, /size 0x240/],
    ['another resize mode', { resizeMode: 'stretch' }, /resize mode "stretch"/],
    ['a pad value of two channels', { padValue: [1, 2] }, /pad value \[1, 2\]/],
    ['a pad value above 255', { padValue: [1, 2, 256] }, /pad value/],
    ['an unknown kernel', { resizeKernel: 'bicubic' }, /resize kernel "bicubic"/],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => pixelInputSpec('detector', info(input as never), 'letterbox'),
        (error: unknown) =>
          error instanceof UnusableAnswerError &&
          error.service === 'detector' &&
          message.test(error.message),
      );
    });
  }
});

describe('classifyBatchSize', () => {
  const spec = (maxBatch: number) => ({
    model: { name: 'c', version: '1' },
    input: { width: 1, height: 1, padValue: [0, 0, 0] as const, kernel: 'linear' as const },
    classes: ['a'],
    maxBatch,
  });
  it("is the classifier's max_batch, or a smaller configured size", () => {
    assert.equal(classifyBatchSize(spec(64), undefined), 64);
    assert.equal(classifyBatchSize(spec(64), 2), 2);
    assert.equal(classifyBatchSize(spec(8), 64), 8);
  });
  it('has no bound when neither says one', () => {
    assert.equal(classifyBatchSize(spec(0), undefined), Number.MAX_SAFE_INTEGER);
  });
});

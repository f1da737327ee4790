import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GetModelInfoResponse } from '../../../lib/gen/banana/v1/common.js';
import { UnusableAnswerError } from './errors.js';
import { classifyBatchSize } from './run-pipeline.js';
import { createModelSpecs, pixelInputSpec } from './model-specs.js';

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

describe('createModelSpecs', () => {
  it('asks a service again once its answer is older than the maximum age, answering with the old one meanwhile', async () => {
    let version = 1;
    let calls = 0;
    let failNext = false;
    const answer = (): Promise<GetModelInfoResponse> => {
      calls += 1;
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('unavailable'));
      }
      return Promise.resolve({ ...info({}), model: { name: 'd', version: String(version) } });
    };
    const specs = createModelSpecs({
      detector: { getModelInfo: answer },
      classifier: { getModelInfo: answer },
      deadlineMs: 1000,
      onUpstreamError: () => undefined,
      infoMaxAgeMs: 200,
    });
    const seen = async () => (await specs.detector()).model.version;
    assert.equal(await seen(), '1');
    version = 2; // swapped in at the service
    assert.equal(await seen(), '1', 'within the maximum age: not asked again');
    assert.equal(calls, 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await seen(), '1', 'the old answer while the service is asked again');
    assert.equal(calls, 2);
    await new Promise((resolve) => setTimeout(resolve, 5)); // its answer arrives
    assert.equal(await seen(), '2');
    await new Promise((resolve) => setTimeout(resolve, 250));
    failNext = true;
    version = 3;
    assert.equal(await seen(), '2');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await seen(), '2', 'a failed refresh keeps the answer it had');
  });
});

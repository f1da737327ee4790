import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageInputSpec } from '../model-card/index.js';
import { toNchwTensor } from './tensor.js';

const input: ImageInputSpec = {
  name: 'x',
  width: 2,
  height: 1,
  kernel: 'linear',
  padValue: [0, 0, 0],
  normalization: { scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] },
};

describe('toNchwTensor', () => {
  it('lays out channel planes per image and normalises with the card formula', () => {
    const first = { width: 2, height: 1, data: Uint8Array.from([0, 255, 51, 255, 0, 102]) };
    const second = { width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) };
    const expected = [
      // image 0: R plane, G plane, B plane
      -1, 1, 3, -1, 0.1, 0.2,
      // image 1
      1, -1, 3, -1, 0.5, 0,
    ].map((v) => Math.fround(v));
    const tensor = toNchwTensor([first, second], input);
    assert.equal(tensor.length, 12);
    Array.from(tensor).forEach((value, i) => {
      assert.ok(
        Math.abs(value - (expected[i] ?? NaN)) < 1e-6,
        `index ${i}: ${value} != ${expected[i]}`,
      );
    });
  });

  it('refuses images of the wrong size', () => {
    assert.throws(
      () => toNchwTensor([{ width: 1, height: 1, data: new Uint8Array(3) }], input),
      /1x1/,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bilinearCoefficients, resizePaddedSquareBilinear } from './resample.js';

describe('bilinearCoefficients', () => {
  it("halving: Pillow's triangle widened to 2 px, normalised, in 22-bit fixed point", () => {
    const c = bilinearCoefficients(4, 2);
    assert.equal(c.taps, 5);
    assert.deepEqual([...c.first], [0, 1]);
    assert.deepEqual([...c.count], [3, 3]);
    // Centre 1.0: weights 0.75, 0.75, 0.25 over 1.75.
    assert.deepEqual([...c.weights.subarray(0, 3)], [1797559, 1797559, 599186]);
  });

  it('same size: each output pixel is its input pixel', () => {
    const c = bilinearCoefficients(3, 3);
    assert.deepEqual([...c.first], [0, 1, 2]);
    for (let i = 0; i < 3; i++) assert.equal(c.weights[i * c.taps], 1 << 22);
  });
});

describe('resizePaddedSquareBilinear', () => {
  it('pads the 1x2 region to a 2x2 square (padding on the left) and halves it', () => {
    const image = { data: new Uint8Array([10, 20, 30, 50, 60, 70]), width: 1, height: 2 };
    const out = resizePaddedSquareBilinear(
      image,
      { left: 0, top: 0, width: 1, height: 2 },
      [0, 0, 0],
      1,
      1,
    );
    // The mean of two padding pixels and the two image pixels: (0 + 0 + 10 + 50) / 4 = 15.
    assert.deepEqual([...out.data], [15, 20, 25]);
  });
});

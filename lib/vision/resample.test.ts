import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bilinearCoefficients, resizeBilinear, resizePaddedSquareBilinear } from './resample.js';

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

describe('resizeBilinear', () => {
  it('halves a 2x1 image horizontally: the mean of the two pixels', () => {
    const image = { data: new Uint8Array([10, 20, 30, 50, 61, 70]), width: 2, height: 1 };
    const out = resizeBilinear(image, 1, 1);
    assert.deepEqual([...out.data], [30, 41, 50]);
  });

  it('on a square image, the padded-square resize of the whole image', () => {
    const side = 9;
    const data = Uint8Array.from({ length: side * side * 3 }, (_, i) => (i * 37) % 256);
    const image = { data, width: side, height: side };
    const whole = { left: 0, top: 0, width: side, height: side };
    for (const [width, height] of [
      [4, 4],
      [5, 3],
      [12, 7],
    ] as const) {
      assert.deepEqual(
        resizeBilinear(image, width, height),
        resizePaddedSquareBilinear(image, whole, [0, 0, 0], width, height),
      );
    }
  });
});

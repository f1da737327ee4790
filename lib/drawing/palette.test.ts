import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RIPENESS_PALETTE, relativeLuminance, stageColour, contrastingColour } from './labels.js';

describe('stageColour', () => {
  it('maps six stages one-to-one in ripening order', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((index) => stageColour(index, 6)),
      [...RIPENESS_PALETTE],
    );
  });
  it('stretches fewer stages over the whole palette, first green and last black', () => {
    assert.deepEqual(
      [0, 1, 2].map((index) => stageColour(index, 3)),
      ['#2e7d32', '#d4a017', '#1c1c1c'],
    );
  });
  it('gets darker from the ripe (yellow) stage on', () => {
    const luminances = RIPENESS_PALETTE.slice(2).map(relativeLuminance);
    assert.deepEqual(
      [...luminances].sort((a, b) => b - a),
      luminances,
    );
  });
});

describe('contrastingColour', () => {
  it('uses black on light and white on dark backgrounds', () => {
    assert.equal(relativeLuminance('#ffffff'), 1);
    assert.equal(relativeLuminance('#000000'), 0);
    assert.deepEqual(RIPENESS_PALETTE.map(contrastingColour), [
      '#ffffff',
      '#000000',
      '#000000',
      '#000000',
      '#ffffff',
      '#ffffff',
    ]);
  });
});

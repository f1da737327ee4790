import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  estimateTextWidth,
  fontSizeFor,
  labelLayout,
  labelText,
  outlineBars,
  strokeWidthFor,
} from './geometry.js';

describe('strokeWidthFor / fontSizeFor', () => {
  it('scale with the short side of the image and have a legible minimum', () => {
    assert.equal(strokeWidthFor({ width: 320, height: 240 }), 2);
    assert.equal(strokeWidthFor({ width: 1280, height: 960 }), 4);
    assert.equal(strokeWidthFor({ width: 4000, height: 3000 }), 13);
    assert.equal(fontSizeFor({ width: 320, height: 240 }), 12);
    assert.equal(fontSizeFor({ width: 1280, height: 960 }), 24);
    assert.equal(fontSizeFor({ width: 3000, height: 4000 }), 75);
  });
});

describe('outlineBars', () => {
  const image = { width: 200, height: 100 };
  it('draws four bars of the stroke width inside the rounded box', () => {
    assert.deepEqual(outlineBars({ xMin: 10.4, yMin: 20, xMax: 109.6, yMax: 70 }, image, 4), [
      { x: 10, y: 20, width: 100, height: 4 },
      { x: 10, y: 66, width: 100, height: 4 },
      { x: 10, y: 24, width: 4, height: 42 },
      { x: 106, y: 24, width: 4, height: 42 },
    ]);
  });
  it('keeps all four sides of a box that sticks out of the image', () => {
    assert.deepEqual(outlineBars({ xMin: -5, yMin: -5, xMax: 250, yMax: 120 }, image, 2), [
      { x: 0, y: 0, width: 200, height: 2 },
      { x: 0, y: 98, width: 200, height: 2 },
      { x: 0, y: 2, width: 2, height: 96 },
      { x: 198, y: 2, width: 2, height: 96 },
    ]);
  });
  it('fills a box thinner than two strokes, and draws nothing for an empty one', () => {
    assert.deepEqual(outlineBars({ xMin: 50, yMin: 50, xMax: 53, yMax: 60 }, image, 4), [
      { x: 50, y: 50, width: 3, height: 4 },
      { x: 50, y: 56, width: 3, height: 4 },
      { x: 50, y: 54, width: 2, height: 2 },
      { x: 51, y: 54, width: 2, height: 2 },
    ]);
    assert.deepEqual(outlineBars({ xMin: 50, yMin: 50, xMax: 50.2, yMax: 60 }, image, 4), []);
  });
});

describe('labelLayout', () => {
  const image = { width: 640, height: 480 };
  const fontSize = 12;
  // "ripe 93%" = 8 glyphs -> ceil(8 * 12 * 0.68) = 66 px of text, padding round(3.6) = 4, height round(16.8) = 17

  it('sits above the box when there is room', () => {
    assert.equal(estimateTextWidth('ripe 93%', fontSize), 66);
    assert.deepEqual(
      labelLayout({ xMin: 100, yMin: 200, xMax: 300, yMax: 300 }, 'ripe 93%', fontSize, image),
      {
        background: { x: 100, y: 183, width: 74, height: 17 },
        textX: 104,
        textY: 183 + Math.round(8.5 + 4.32),
      },
    );
  });
  it('moves inside the top of the box when the box touches the top edge', () => {
    const layout = labelLayout(
      { xMin: 100, yMin: 5, xMax: 300, yMax: 300 },
      'ripe 93%',
      fontSize,
      image,
    );
    assert.deepEqual(layout.background, { x: 100, y: 5, width: 74, height: 17 });
  });
  it('shifts left to stay inside the right edge', () => {
    const layout = labelLayout(
      { xMin: 600, yMin: 200, xMax: 640, yMax: 300 },
      'ripe 93%',
      fontSize,
      image,
    );
    assert.deepEqual(layout.background, { x: 566, y: 183, width: 74, height: 17 });
  });
  it('stays inside the bottom edge for a box at the very bottom', () => {
    const layout = labelLayout({ xMin: 0, yMin: 479, xMax: 10, yMax: 480 }, 'ripe 93%', fontSize, {
      width: 640,
      height: 10,
    });
    assert.deepEqual(layout.background, { x: 0, y: 0, width: 74, height: 10 });
  });
  it('is cut to the image width when the text is wider than the image', () => {
    const layout = labelLayout(
      { xMin: 10, yMin: 30, xMax: 40, yMax: 40 },
      'barely ripe 100%',
      fontSize,
      { width: 50, height: 50 },
    );
    assert.deepEqual(layout.background, { x: 0, y: 13, width: 50, height: 17 });
  });
});

describe('labelText', () => {
  it('names the stage and the rounded percentage', () => {
    assert.equal(labelText('barely ripe', 0.876), 'barely ripe 88%');
    assert.equal(labelText('rotten', 1), 'rotten 100%');
  });
});

// The placement geometry of labels.js, shared by the function's drawing and the
// page's camera mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  estimateTextWidth,
  fontSizeFor,
  intersects,
  labelSize,
  labelText,
  layoutDetectionLabels,
  layoutLabels,
  numberText,
  outlineBars,
  outlineWithHalo,
  strokeWidthFor,
  type Box,
  type Rect,
  type Size,
} from './labels.js';
import { seededRandom } from '../../scripts/lib/synthetic-photo.js';

function randomBoxes(count: number, image: Size, seed: number): Box[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const width = 10 + rand() * image.width * 0.4;
    const height = 10 + rand() * image.height * 0.4;
    const xMin = rand() * (image.width - width);
    const yMin = rand() * (image.height - height);
    return { xMin, yMin, xMax: xMin + width, yMax: yMin + height };
  });
}

function assertNoOverlapInside(rects: readonly Rect[], image: Size): void {
  for (const [i, a] of rects.entries()) {
    assert.ok(
      a.x >= 0 && a.y >= 0 && a.x + a.width <= image.width && a.y + a.height <= image.height,
      `label ${i} ${JSON.stringify(a)} leaves the ${image.width}x${image.height} photo`,
    );
    for (const [j, b] of rects.entries()) {
      if (j > i) assert.ok(!intersects(a, b), `labels ${i} and ${j} overlap`);
    }
  }
}

describe('strokeWidthFor / fontSizeFor', () => {
  it('scale with the short side of the photo, down to a legible minimum', () => {
    assert.equal(strokeWidthFor({ width: 320, height: 240 }), 2);
    assert.equal(strokeWidthFor({ width: 1280, height: 960 }), 4);
    assert.equal(strokeWidthFor({ width: 4000, height: 3000 }), 13);
    assert.equal(fontSizeFor({ width: 162, height: 129 }), 10);
    assert.equal(fontSizeFor({ width: 640, height: 480 }), 12);
    assert.equal(fontSizeFor({ width: 1280, height: 960 }), 24);
    assert.equal(fontSizeFor({ width: 3000, height: 4000 }), 75);
  });

  it('keep labels legible on small photos: 10 px, however small the photo', () => {
    for (const image of [
      { width: 1, height: 1 },
      { width: 40, height: 30 },
      { width: 320, height: 240 },
      { width: 2000, height: 380 },
    ]) {
      assert.equal(fontSizeFor(image), 10, `${image.width}x${image.height}`);
    }
  });

  it('give a large photo larger labels than a small one, by its short side', () => {
    const small = fontSizeFor({ width: 800, height: 600 });
    const large = fontSizeFor({ width: 4000, height: 3000 });
    assert.equal(large / small, 5, 'five times the short side, five times the font');
    assert.equal(fontSizeFor({ width: 3000, height: 4000 }), large, 'portrait as landscape');
    const text = labelText(1, 'ripe', 0.9);
    assert.ok(labelSize(text, large).width > 4 * labelSize(text, small).width);
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

describe('outlineWithHalo', () => {
  it('puts a halo of half the stroke on both sides of the coloured bars', () => {
    const { halo, fill } = outlineWithHalo(
      { xMin: 10, yMin: 20, xMax: 110, yMax: 70 },
      { width: 200, height: 100 },
      4,
    );
    assert.deepEqual(
      fill,
      outlineBars(
        { xMin: 10, yMin: 20, xMax: 110, yMax: 70 },
        {
          width: 200,
          height: 100,
        },
        4,
      ),
    );
    assert.deepEqual(halo, [
      { x: 8, y: 18, width: 104, height: 8 },
      { x: 8, y: 64, width: 104, height: 8 },
      { x: 8, y: 26, width: 8, height: 38 },
      { x: 104, y: 26, width: 8, height: 38 },
    ]);
  });
});

describe('label texts', () => {
  it("number the labels and name the stage with the detector's rounded confidence", () => {
    assert.equal(labelText(1, 'barely ripe', 0.876), '#1 barely ripe (banana 88%)');
    assert.equal(labelText(12, 'rotten', 0.314), '#12 rotten (banana 31%)');
    assert.equal(numberText(3), '#3');
  });
  it('are sized from the glyph count, with padding', () => {
    // 11 glyphs -> ceil(11 * 16 * 0.68) = 120 px of text, padding round(4.8) = 5, height round(22.4)
    assert.equal(estimateTextWidth('#1 ripe 93%', 16), 120);
    assert.deepEqual(labelSize('#1 ripe 93%', 16), { width: 130, height: 22, padding: 5 });
  });
});

describe('layoutLabels', () => {
  const image = { width: 640, height: 480 };
  const one = (box: Box) =>
    layoutLabels([{ box, text: '#1 ripe 93%', shortText: '#1' }], image, 16)[0]?.rect;

  it('sits above the box when there is room, with the text baseline inside', () => {
    assert.deepEqual(
      layoutLabels(
        [
          {
            box: { xMin: 100, yMin: 200, xMax: 300, yMax: 300 },
            text: '#1 ripe 93%',
            shortText: '#1',
          },
        ],
        image,
        16,
      ),
      [
        {
          rect: { x: 100, y: 178, width: 130, height: 22 },
          text: '#1 ripe 93%',
          textX: 105,
          textY: 178 + Math.round(11 + 16 * 0.36),
          border: 1,
        },
      ],
    );
  });
  it('goes below the box when the box touches the top edge, inside it when both are taken', () => {
    assert.deepEqual(one({ xMin: 100, yMin: 5, xMax: 300, yMax: 300 }), {
      x: 100,
      y: 300,
      width: 130,
      height: 22,
    });
    assert.deepEqual(one({ xMin: 100, yMin: 5, xMax: 300, yMax: 470 }), {
      x: 100,
      y: 5,
      width: 130,
      height: 22,
    });
  });
  it('shifts left to stay inside the right edge', () => {
    assert.deepEqual(one({ xMin: 600, yMin: 200, xMax: 640, yMax: 300 }), {
      x: 510,
      y: 178,
      width: 130,
      height: 22,
    });
  });
  it('moves a neighbour label out of the way, then falls back to the number alone', () => {
    const labels = layoutDetectionLabels(
      [
        {
          box: { xMin: 10, yMin: 30, xMax: 80, yMax: 120 },
          stageLabel: 'underripe',
          detectionConfidence: 0.91,
        },
        {
          box: { xMin: 70, yMin: 25, xMax: 150, yMax: 125 },
          stageLabel: 'ripe',
          detectionConfidence: 0.88,
        },
        {
          box: { xMin: 40, yMin: 28, xMax: 120, yMax: 126 },
          stageLabel: 'rotten',
          detectionConfidence: 0.5,
        },
      ],
      { width: 220, height: 129 },
    );
    assert.equal(labels.fontSize, 10);
    assert.deepEqual(
      labels.labels.map((label) => label && { text: label.text, rect: label.rect }),
      [
        // above its box
        { text: '#1 underripe (banana 91%)', rect: { x: 10, y: 16, width: 176, height: 14 } },
        // above and below are taken or outside the photo: inside the bottom of its box
        { text: '#2 ripe (banana 88%)', rect: { x: 70, y: 111, width: 142, height: 14 } },
        // no room for the full text at any preferred spot: the number alone, inside the bottom
        { text: '#3', rect: { x: 40, y: 112, width: 20, height: 14 } },
      ],
    );
  });
  it('never overlaps two labels and keeps them inside the photo on crowded photos', () => {
    // [photo, boxes, seed, labels placed, of which with the full text]
    for (const [image, count, seed, placedCount, fullCount] of [
      [{ width: 240, height: 180 }, 12, 1, 11, 8],
      [{ width: 320, height: 240 }, 40, 2, 30, 12],
      [{ width: 640, height: 480 }, 100, 3, 95, 28],
      [{ width: 1280, height: 960 }, 300, 4, 136, 30],
    ] as const) {
      const boxes = randomBoxes(count, image, seed);
      const { labels } = layoutDetectionLabels(
        boxes.map((box) => ({ box, stageLabel: 'barely ripe', detectionConfidence: 0.5 })),
        image,
      );
      const placed = labels.flatMap((label) => (label ? [label.rect] : []));
      assertNoOverlapInside(placed, image);
      assert.equal(placed.length, placedCount);
      assert.equal(labels.filter((label) => label?.text.includes('barely ripe')).length, fullCount);
      // the first detection always gets its full label
      assert.match(labels[0]?.text ?? '', /^#1 barely ripe \(banana 50%\)$/);
    }
  });
  it('gives a photo too small for any full label the numbers alone', () => {
    const image = { width: 60, height: 40 };
    const boxes = [
      { xMin: 2, yMin: 2, xMax: 30, yMax: 38 },
      { xMin: 30, yMin: 2, xMax: 58, yMax: 38 },
    ];
    const { labels } = layoutDetectionLabels(
      boxes.map((box) => ({ box, stageLabel: 'ripe', detectionConfidence: 0.9 })),
      image,
    );
    assert.deepEqual(
      labels.map((label) => label?.text),
      ['#1', '#2'],
    );
    assertNoOverlapInside(
      labels.flatMap((label) => (label ? [label.rect] : [])),
      image,
    );
  });
  it('leaves out a label only when not even its number fits in the photo', () => {
    const { labels } = layoutDetectionLabels(
      [
        {
          box: { xMin: 0, yMin: 0, xMax: 12, yMax: 8 },
          stageLabel: 'ripe',
          detectionConfidence: 0.9,
        },
      ],
      { width: 12, height: 8 },
    );
    assert.deepEqual(labels, [null]);
  });
});

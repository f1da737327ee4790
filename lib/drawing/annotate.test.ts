// drawAnnotations on real pixels: the outline in the stage colour with its contrasting halo,
// and numbered labels that sharp renders.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  layoutDetectionLabels,
  outlineWithHalo,
  strokeWidthFor,
  contrastingColour,
} from './labels.js';
import { drawAnnotations } from './annotate.js';
import { buildLabelSvg } from './label-svg.js';
import { blendRgba, fillRect, parseHexColour } from './raster.js';

const pixel = (image: { data: Uint8Array; width: number }, x: number, y: number) => {
  const offset = (y * image.width + x) * 3;
  return [...image.data.subarray(offset, offset + 3)];
};

describe('drawAnnotations', () => {
  it('draws a yellow outline between black halo lines on a yellow photo, and its label', async () => {
    const size = { width: 320, height: 240 };
    const image = { ...size, data: new Uint8Array(320 * 240 * 3) };
    for (let i = 0; i < image.data.length; i += 3) image.data.set([244, 208, 63], i);
    const box = { xMin: 100, yMin: 100, xMax: 200, yMax: 200 };
    await drawAnnotations(image, [
      { box, colour: '#fdd835', stageLabel: 'ripe', detectionConfidence: 0.9 },
    ]);
    const stroke = strokeWidthFor(size);
    const { halo, fill } = outlineWithHalo(box, size, stroke);
    assert.deepEqual(pixel(image, 150, 99), [0, 0, 0], 'halo outside the outline');
    assert.deepEqual(pixel(image, 150, 100), [253, 216, 53], 'the stage colour');
    assert.deepEqual(pixel(image, 150, 100 + stroke), [0, 0, 0], 'halo inside the outline');
    assert.deepEqual(pixel(image, 150, 100 + stroke + 1), [244, 208, 63], 'photo inside the box');
    assert.equal(halo[0]?.y, 99);
    assert.equal(fill[0]?.y, 100);
    // The label "#1 ripe (banana 90%)" sits above the box: its border is black and it holds dark text.
    const labelRow = Array.from({ length: 60 }, (_, x) => pixel(image, 100 + x, 100 - 8));
    assert.ok(
      labelRow.some(([r]) => r === 0 || (r ?? 255) < 60),
      'text or border in the label',
    );
    assert.deepEqual(pixel(image, 100, 90), [0, 0, 0], 'left border of the label');
  });
});

describe('drawAnnotations with many labels', () => {
  it('draws the same pixels as rendering and blending each label on its own', async () => {
    const size = { width: 640, height: 480 };
    const grey = () => ({ ...size, data: new Uint8Array(640 * 480 * 3).fill(90) });
    const annotations = Array.from({ length: 12 }, (_, i) => ({
      box: {
        xMin: 20 + (i % 4) * 150,
        yMin: 40 + Math.floor(i / 4) * 140,
        xMax: 140 + (i % 4) * 150,
        yMax: 150 + Math.floor(i / 4) * 140,
      },
      colour: ['#fdd835', '#2e7d32', '#5d4037'][i % 3] as string,
      stageLabel: `stage <${i}>`,
      detectionConfidence: i / 12,
    }));
    const drawn = await drawAnnotations(grey(), annotations);

    // One label at a time, as separate SVGs.
    const expected = grey();
    const { fontSize, labels } = layoutDetectionLabels(annotations, size);
    const stroke = strokeWidthFor(size);
    for (const { box, colour } of annotations) {
      const { halo, fill } = outlineWithHalo(box, size, stroke);
      for (const bar of halo) fillRect(expected, bar, parseHexColour(contrastingColour(colour)));
      for (const bar of fill) fillRect(expected, bar, parseHexColour(colour));
    }
    for (const [i, label] of labels.entries()) {
      if (!label) continue;
      const svg = buildLabelSvg(label, annotations[i]?.colour ?? '', fontSize);
      const { data } = await sharp(Buffer.from(svg))
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      blendRgba(expected, data, label.rect);
    }
    assert.ok(labels.filter(Boolean).length >= 10, 'most labels placed');
    assert.ok(Buffer.from(drawn.data).equals(Buffer.from(expected.data)));
  });
});

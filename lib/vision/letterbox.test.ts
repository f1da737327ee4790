import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { letterboxGeometry, unletterboxBox } from './letterbox.js';

const square320 = { width: 320, height: 320 };

describe('letterboxGeometry', () => {
  it('fits a landscape image to the width and centres it vertically', () => {
    assert.deepEqual(letterboxGeometry({ width: 640, height: 480 }, square320), {
      source: { width: 640, height: 480 },
      target: square320,
      scale: 0.5,
      resized: { width: 320, height: 240 },
      offsetX: 0,
      offsetY: 40,
    });
  });

  it('fits a tall image to the height, rounding the width and flooring the offset', () => {
    const geometry = letterboxGeometry({ width: 3, height: 7 }, square320);
    assert.equal(geometry.scale, 320 / 7);
    assert.deepEqual(geometry.resized, { width: 137, height: 320 });
    assert.equal(geometry.offsetX, 91);
    assert.equal(geometry.offsetY, 0);
  });

  it('rounds halves to even like the training code (2.5 -> 2)', () => {
    const geometry = letterboxGeometry({ width: 10, height: 5 }, { width: 5, height: 100 });
    assert.deepEqual(geometry.resized, { width: 5, height: 2 });
    assert.equal(geometry.offsetY, 49);
  });

  it('never shrinks a side below one pixel', () => {
    const geometry = letterboxGeometry({ width: 1000, height: 1 }, { width: 10, height: 10 });
    assert.deepEqual(geometry.resized, { width: 10, height: 1 });
    assert.equal(geometry.offsetY, 4);
  });

  it('upscales small images', () => {
    const geometry = letterboxGeometry({ width: 80, height: 160 }, square320);
    assert.equal(geometry.scale, 2);
    assert.deepEqual(geometry.resized, { width: 160, height: 320 });
    assert.equal(geometry.offsetX, 80);
  });
});

describe('unletterboxBox', () => {
  const geometry = letterboxGeometry({ width: 640, height: 480 }, square320);

  it('undoes offset and scale', () => {
    assert.deepEqual(unletterboxBox({ xMin: 10, yMin: 50, xMax: 110, yMax: 150 }, geometry), {
      xMin: 20,
      yMin: 20,
      xMax: 220,
      yMax: 220,
    });
  });

  it('clamps to the original image', () => {
    assert.deepEqual(unletterboxBox({ xMin: -8, yMin: 20, xMax: 330, yMax: 290 }, geometry), {
      xMin: 0,
      yMin: 0,
      xMax: 640,
      yMax: 480,
    });
  });

  describe('on a portrait photo (padding left and right)', () => {
    // 480x640 into 320x320: scale 0.5, resized 240x320, 40 columns of padding on each side.
    const portrait = letterboxGeometry({ width: 480, height: 640 }, square320);

    it('removes the left padding before undoing the scale', () => {
      assert.equal(portrait.offsetX, 40);
      assert.deepEqual(unletterboxBox({ xMin: 50, yMin: 10, xMax: 150, yMax: 110 }, portrait), {
        xMin: 20,
        yMin: 20,
        xMax: 220,
        yMax: 220,
      });
    });

    it('maps the edges of the photo inside the canvas to the edges of the photo', () => {
      assert.deepEqual(unletterboxBox({ xMin: 40, yMin: 0, xMax: 280, yMax: 320 }, portrait), {
        xMin: 0,
        yMin: 0,
        xMax: 480,
        yMax: 640,
      });
    });

    it('maps a box in the left padding to the left edge', () => {
      assert.deepEqual(unletterboxBox({ xMin: 0, yMin: 100, xMax: 30, yMax: 200 }, portrait), {
        xMin: 0,
        yMin: 200,
        xMax: 0,
        yMax: 400,
      });
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOption, isOptionName, OPTION_NAMES, rangeText, OPTIONS } from './options.js';

describe('checkOption', () => {
  it('accepts the ends of closed ranges and refuses just beyond them', () => {
    assert.deepEqual(checkOption('min_confidence', 0), { value: 0 });
    assert.deepEqual(checkOption('min_confidence', '1'), { value: 1 });
    assert.deepEqual(checkOption('min_confidence', 1.0001), {
      error: 'must be in [0, 1], got 1.0001',
    });
    assert.deepEqual(checkOption('max_detections', 300), { value: 300 });
    assert.deepEqual(checkOption('max_detections', '301'), {
      error: 'must be in [1, 300], got 301',
    });
    assert.deepEqual(checkOption('quality', 1), { value: 1 });
    assert.deepEqual(checkOption('quality', 0), { error: 'must be in [1, 100], got 0' });
  });
  it('keeps an open end open: iou 0 is refused, iou 1 accepted', () => {
    assert.deepEqual(checkOption('iou', 0), { error: 'must be in (0, 1], got 0' });
    assert.deepEqual(checkOption('iou', 1), { value: 1 });
  });
  it('wants integers where the option counts', () => {
    assert.deepEqual(checkOption('max_detections', 2.5), { error: 'must be an integer, got 2.5' });
    assert.deepEqual(checkOption('quality', '70'), { value: 70 });
  });
  it('names values that are not numbers, huge JSON numbers included', () => {
    assert.deepEqual(checkOption('iou', 'abc'), {
      error: 'must be a number in (0, 1], got "abc"',
    });
    assert.deepEqual(checkOption('iou', ' '), { error: 'must be a number in (0, 1], got " "' });
    assert.deepEqual(checkOption('quality', true), {
      error: 'must be a number in [1, 100], got true',
    });
    // JSON.parse('1e400') is Infinity.
    assert.deepEqual(checkOption('max_detections', JSON.parse('1e400')), {
      error: 'must be a number in [1, 300], got Infinity',
    });
  });
  it('checks enumerations exactly', () => {
    assert.deepEqual(checkOption('format', 'none'), { value: 'none' });
    assert.deepEqual(checkOption('format', 'JPEG'), {
      error: 'must be "jpeg" or "none", got "JPEG"',
    });
  });
});

describe('the option table', () => {
  it('knows its names and nothing else', () => {
    assert.deepEqual(OPTION_NAMES, [
      'min_confidence',
      'iou',
      'max_detections',
      'format',
      'quality',
    ]);
    assert.equal(isOptionName('iou'), true);
    assert.equal(isOptionName('toString'), false);
    assert.equal(isOptionName('iou_threshold'), false);
  });
  it('writes ranges as intervals', () => {
    assert.equal(rangeText(OPTIONS.iou), '(0, 1]');
    assert.equal(rangeText(OPTIONS.format), '"jpeg" or "none"');
  });
});

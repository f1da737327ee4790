import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAnswer } from './format-result.js';

describe('formatAnswer', () => {
  it('prints a row per banana, the counts and the timings', () => {
    const text = formatAnswer({
      detections: [
        {
          box: { x_min: 10.4, y_min: 20, x_max: 110.6, y_max: 80 },
          confidence: 0.91,
          stage: 'ripe',
          stage_confidence: 0.876,
          ripeness_index: 2.12,
        },
        {
          box: { x_min: 0, y_min: 0, x_max: 5, y_max: 5 },
          confidence: 0.3,
          stage: 'barely_ripe',
          stage_confidence: 0.5,
          ripeness_index: 1.5,
        },
      ],
      summary: { ripe: 1, barely_ripe: 1, rotten: 0 },
      image: { width: 640, height: 480 },
      timings_ms: { detect: 12.3, total: 40.7 },
    });
    assert.equal(
      text,
      [
        '2 bananas in a 640x480 photo',
        '',
        '#  stage        stage conf  index  detection conf  box (x0,y0,x1,y1)',
        '1  ripe         87.6%       2.12   91.0%           10,20,111,80',
        '2  barely_ripe  50.0%       1.50   30.0%           0,0,5,5',
        '',
        'per stage: ripe 1, barely_ripe 1, rotten 0',
        'timings:   detect 12 ms, total 41 ms',
      ].join('\n'),
    );
  });
  it('says so when there is no banana', () => {
    const text = formatAnswer({
      detections: [],
      summary: {},
      image: { width: 1, height: 1 },
      timings_ms: {},
    });
    assert.match(text, /^0 bananas in a 1x1 photo\n\nper stage: \ntimings: {3}$/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationReport } from './classification-metrics.js';
import { compareWithCard } from './compare.js';
import { averagePrecision, detectionReport, precisionRecallAt } from './detection-metrics.js';

const box = (x: number, y: number, w: number, h: number) => ({
  xMin: x,
  yMin: y,
  xMax: x + w,
  yMax: y + h,
});

describe('detection metrics', () => {
  it('gives AP 1 for perfect detections', () => {
    const images = [
      { truth: [box(0, 0, 10, 10)], predictions: [{ box: box(0, 0, 10, 10), score: 0.9 }] },
    ];
    assert.equal(averagePrecision(images, 0.5), 1);
  });

  it('ranks by score across images and interpolates over 101 recall points', () => {
    // 2 truths; ranked: TP (0.9), FP (0.8), TP (0.7) -> precision 1, 0.5, 2/3 -> monotone 1, 2/3, 2/3
    const images = [
      {
        truth: [box(0, 0, 10, 10)],
        predictions: [
          { box: box(0, 0, 10, 10), score: 0.9 },
          { box: box(50, 50, 5, 5), score: 0.8 },
        ],
      },
      { truth: [box(0, 0, 10, 10)], predictions: [{ box: box(1, 0, 10, 10), score: 0.7 }] },
    ];
    // recall 0..0.5 (51 points) -> 1; 0.51..1 (50 points) -> 2/3
    assert.ok(Math.abs(averagePrecision(images, 0.5) - (51 + 50 * (2 / 3)) / 101) < 1e-12);
  });

  it('counts a duplicate detection of one banana as a false positive', () => {
    const images = [
      {
        truth: [box(0, 0, 10, 10)],
        predictions: [
          { box: box(0, 0, 10, 10), score: 0.9 },
          { box: box(0, 0, 10, 9), score: 0.8 },
        ],
      },
    ];
    assert.deepEqual(precisionRecallAt(images, 0.5), {
      precision: 0.5,
      recall: 1,
      duplicate_rate: 0.5,
    });
  });

  it('counts as duplicates only unmatched boxes at IoU >= 0.5 with an already matched truth', () => {
    const images = [
      {
        truth: [box(0, 0, 10, 10), box(100, 0, 10, 10)],
        predictions: [
          { box: box(0, 0, 10, 10), score: 0.9 }, // matches truth 0
          { box: box(0, 0, 10, 5), score: 0.8 }, // IoU 0.5 with matched truth 0: duplicate
          { box: box(50, 50, 10, 10), score: 0.7 }, // background: false positive, no duplicate
          { box: box(100, 0, 10, 10), score: 0.6 }, // matches truth 1
          { box: box(0, 0, 10, 4), score: 0.55 }, // IoU 0.4 with truth 0: not a duplicate
          { box: box(100, 0, 10, 10), score: 0.1 }, // a duplicate, but under the confidence
        ],
      },
      // A second image: its box matches its own truth although image 0's truth 0 is taken.
      { truth: [box(0, 0, 10, 10)], predictions: [{ box: box(0, 0, 10, 10), score: 0.5 }] },
    ];
    assert.deepEqual(precisionRecallAt(images, 0.5), {
      precision: 3 / 6,
      recall: 1,
      duplicate_rate: 1 / 6,
    });
    assert.equal(detectionReport(images, 0.5).duplicate_rate, 1 / 6);
  });

  it('applies the IoU threshold: a box at IoU 0.5 counts at 0.5 but not at 0.75', () => {
    const images = [
      { truth: [box(0, 0, 10, 10)], predictions: [{ box: box(0, 0, 10, 5), score: 0.9 }] },
    ];
    assert.equal(averagePrecision(images, 0.5), 1);
    assert.equal(averagePrecision(images, 0.75), 0);
    const report = detectionReport(images, 0.25);
    assert.equal(report.map50_95, 0.1);
  });

  it('drops detections under the confidence threshold for precision/recall', () => {
    const images = [
      { truth: [box(0, 0, 10, 10)], predictions: [{ box: box(0, 0, 10, 10), score: 0.2 }] },
    ];
    assert.deepEqual(precisionRecallAt(images, 0.25), {
      precision: 0,
      recall: 0,
      duplicate_rate: 0,
    });
  });
});

describe('classification metrics', () => {
  it('computes top-1, within-one-stage and the confusion matrix', () => {
    const report = classificationReport([0, 1, 2, 2], [0, 2, 2, 0], 3);
    assert.equal(report.top1, 0.5);
    assert.equal(report.withinOneStage, 0.75);
    assert.deepEqual(report.confusion, [
      [1, 0, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
  });
});

describe('card comparison', () => {
  const measured = { precision: 0.9, recall: 0.9, map50: 0.9, map50_95: 0.6, images: 1 };
  const card = (val: Record<string, number>) => ({ metrics: { val } });

  it('passes within tolerance and fails below it, naming the metric', () => {
    const recorded = card({ precision: 0.905, recall: 0.9, map50: 0.95, map50_95: 0.6 });
    assert.deepEqual(compareWithCard('detector', measured, recorded, 0.01), [
      'detector map50 0.9000 < card 0.9500 - 0.01',
    ]);
  });

  it('fails when a lower-is-better rate rises above card + tolerance, only when both have it', () => {
    const recorded = card({
      precision: 0.9,
      recall: 0.9,
      map50: 0.9,
      map50_95: 0.6,
      duplicate_rate: 0.02,
      negative_rate: 0.05,
    });
    const run = { ...measured, duplicate_rate: 0.031, negative_rate: 0.06 };
    assert.deepEqual(compareWithCard('detector', run, recorded, 0.01), [
      'detector duplicate_rate 0.0310 > card 0.0200 + 0.01',
    ]);
    const worse = { ...measured, duplicate_rate: 0.03, negative_rate: 0.07 };
    assert.deepEqual(compareWithCard('detector', worse, recorded, 0.01), [
      'detector negative_rate 0.0700 > card 0.0500 + 0.01',
    ]);
    const noNegatives = { ...measured, duplicate_rate: 0.02 };
    assert.deepEqual(compareWithCard('detector', noNegatives, recorded, 0.01), []);
  });

  it('fails when the card records no metrics', () => {
    assert.equal(compareWithCard('classifier', { top1: 0.9 }, {}, 0.01).length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countReport,
  photoCoarseRipeness,
  ripenessIndex,
  shareAtConfidences,
  spearman,
} from './realworld-metrics.js';

const STAGES = ['underripe', 'barely_ripe', 'ripe', 'very_ripe', 'overripe', 'rotten'];

describe('ripenessIndex', () => {
  it('is the expected stage under the probabilities', () => {
    assert.equal(ripenessIndex([1, 0, 0, 0, 0, 0]), 0);
    assert.equal(ripenessIndex([0, 0, 0, 0, 0, 1]), 5);
    assert.equal(ripenessIndex([0, 0, 0.5, 0.5, 0, 0]), 2.5);
  });

  it('renormalises over the six stages when a further (rejection) class has mass', () => {
    assert.equal(ripenessIndex([0, 0, 0, 0.25, 0.25, 0, 0.5]), 3.5);
  });
});

describe('shareAtConfidences', () => {
  it('gives the share of photos whose highest score reaches each confidence, inclusive', () => {
    assert.deepEqual(shareAtConfidences([0, 0.3, 0.45, 0.5, 0.9], [0.3, 0.5, 0.95]), {
      '0.30': 0.8,
      '0.50': 0.4,
      '0.95': 0,
    });
  });

  it('is 0 at every confidence without photos', () => {
    assert.deepEqual(shareAtConfidences([], [0.4]), { '0.40': 0 });
  });
});

describe('spearman', () => {
  it('is 1 for any increasing relation and -1 for a decreasing one', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 300, 4000]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  });

  it('averages the ranks of ties', () => {
    // ranks of [1,1,2] are [1.5,1.5,3]; of [1,2,3] are [1,2,3]
    const expected = 1.5 / Math.sqrt(1.5 * 2);
    assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - expected) < 1e-12);
  });
});

describe('photoCoarseRipeness', () => {
  it('folds the six stages into unripe / fresh / rotten by mean probability', () => {
    assert.equal(photoCoarseRipeness([[0.1, 0.5, 0.2, 0.1, 0.05, 0.05]], STAGES), 'unripe');
    assert.equal(photoCoarseRipeness([[0, 0, 0.3, 0.3, 0.4, 0]], STAGES), 'fresh');
    assert.equal(
      photoCoarseRipeness(
        [
          [0, 0, 0, 0.2, 0.8, 0],
          [0, 0, 0.3, 0.1, 0.6, 0],
        ],
        STAGES,
      ),
      'rotten',
    );
    assert.equal(photoCoarseRipeness([], STAGES), undefined);
  });
});

describe('countReport', () => {
  it('gives the mean relative count error overall and on photos with >= 5 bananas', () => {
    const report = countReport([
      { predicted: 1, truth: 1 },
      { predicted: 4, truth: 2 },
      { predicted: 5, truth: 10 },
    ]);
    assert.equal(report.photos, 3);
    assert.ok(Math.abs(report.count_error - (0 + 1 + 0.5) / 3) < 1e-12);
    assert.equal(report.bunch_photos, 1);
    assert.equal(report.count_error_bunches, 0.5);
    assert.ok(Math.abs(report.count_bias - (0 + 1 - 0.5) / 3) < 1e-12);
  });
});

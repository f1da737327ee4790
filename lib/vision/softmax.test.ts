import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logitsToClassProbabilities } from './softmax.js';
import { ripenessIndex, softmax } from './softmax.js';

describe('softmax', () => {
  it('matches exact values', () => {
    assert.deepEqual(softmax([0, 0]), [0.5, 0.5]);
    assert.deepEqual(
      softmax([1, 2, 3]),
      [0.09003057317038046, 0.24472847105479764, 0.6652409557748218],
    );
  });

  it('is stable for large logits', () => {
    assert.deepEqual(softmax([1000, 1000]), [0.5, 0.5]);
    assert.deepEqual(softmax([-1000, 0]), [0, 1]);
  });
});

describe('logitsToClassProbabilities', () => {
  it('splits rows, picks the most probable class and keeps every probability', () => {
    const results = logitsToClassProbabilities(new Float32Array([1, 2, 3, 3, 2, 1]), 3);
    assert.deepEqual(
      results.map((r) => r.index),
      [2, 0],
    );
    assert.equal(results[0]?.confidence, 0.6652409557748218);
    assert.deepEqual(
      results[1]?.probabilities,
      [0.6652409557748218, 0.24472847105479764, 0.09003057317038046],
    );
  });

  it('picks the first class on ties', () => {
    assert.equal(logitsToClassProbabilities(new Float32Array([5, 5]), 2)[0]?.index, 0);
  });

  it('rejects an output that does not match the class count', () => {
    assert.throws(() => logitsToClassProbabilities(new Float32Array(7), 3), /not a multiple of 3/);
  });
});

describe('ripenessIndex', () => {
  it('is the expected stage: certain stages give their index, mixtures lie between', () => {
    assert.equal(ripenessIndex([1, 0, 0, 0, 0, 0]), 0);
    assert.equal(ripenessIndex([0, 0, 0, 0, 0, 1]), 5);
    assert.equal(ripenessIndex([0, 0, 0.5, 0.5, 0, 0]), 2.5);
    assert.ok(Math.abs(ripenessIndex([0.1, 0.2, 0.7, 0, 0, 0]) - 1.6) < 1e-12);
  });
  it('normalises probabilities that do not sum to 1, and is 0 without any', () => {
    assert.equal(ripenessIndex([0, 2, 2]), 1.5);
    assert.equal(ripenessIndex([]), 0);
  });
});

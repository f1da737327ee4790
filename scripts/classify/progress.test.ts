import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProgress, formatSummary, summarize } from './progress.js';
import { errorRow, type ResultRow } from './results-file.js';

const banana = (file: string, stage: string): ResultRow => ({
  ...errorRow(file, ''),
  error: null,
  banana: 1,
  stage,
});

describe('formatProgress', () => {
  it('shows done/total, the rate and the time left', () => {
    assert.equal(
      formatProgress(30, 120, 10_000, 10),
      '[###-------] 30/120  3.0 photos/s  ETA 30 s',
    );
    assert.equal(formatProgress(0, 5, 0, 4), '[----] 0/5  0.0 photos/s  ETA ?');
    assert.equal(formatProgress(5, 5, 2000, 4), '[####] 5/5  2.5 photos/s  ETA 0 s');
    assert.equal(formatProgress(1, 1000, 1000, 4), '[----] 1/1000  1.0 photos/s  ETA 16 min 39 s');
  });
});

describe('summarize', () => {
  it('counts photos, bananas per stage, photos without bananas and failures', () => {
    const rows = [
      banana('a.jpg', 'ripe'),
      banana('a.jpg', 'rotten'),
      banana('b.jpg', 'ripe'),
      { ...errorRow('c.jpg', ''), error: null },
      errorRow('d.jpg', 'HTTP 415: not a photo'),
    ];
    const summary = summarize(rows, 3, 2000);
    assert.deepEqual(summary, {
      photos: 4,
      skipped: 3,
      failed: 1,
      withoutBananas: 1,
      bananas: 3,
      perStage: { ripe: 2, rotten: 1 },
      elapsedMs: 2000,
    });
    assert.equal(
      formatSummary(summary, 'r.csv'),
      [
        '4 photos in 2 s (2.0 photos/s); 3 already in r.csv, skipped',
        '3 bananas; 1 photos without a banana; 1 failed',
        'per stage: ripe 2, rotten 1',
        'results: r.csv',
      ].join('\n'),
    );
  });
});

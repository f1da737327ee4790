import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProgress, formatSummary, summarize } from './progress.js';
import { errorRow, type ResultRow } from './results-file.js';

const banana = (file: string, stage: string): ResultRow => ({
  ...errorRow({ file, sha256: 'ab' }, ''),
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
      { ...errorRow({ file: 'c.jpg', sha256: 'cd' }, ''), error: null },
      errorRow({ file: 'd.jpg', sha256: null }, 'HTTP 415: not a photo'),
    ];
    const summary = summarize(rows, { skipped: 3, changed: 0, otherPhotos: 0 }, 2000);
    assert.deepEqual(summary, {
      photos: 4,
      skipped: 3,
      changed: 0,
      otherPhotos: 0,
      failed: 1,
      withoutBananas: 1,
      bananas: 3,
      perStage: { ripe: 2, rotten: 1 },
      elapsedMs: 2000,
    });
    assert.equal(
      formatSummary(summary, 'r.csv'),
      [
        '4 photos in 2 s (2.0 photos/s); 3 photos already in r.csv (same path and contents), skipped',
        '3 bananas; 1 photos without a banana; 1 failed',
        'per stage: ripe 2, rotten 1',
        'results: r.csv',
      ].join('\n'),
    );
  });
});

describe('formatSummary of a resumed batch', () => {
  it('says which photos were skipped, which changed, and that other photos are kept', () => {
    const summary = summarize(
      [banana('a.jpg', 'ripe')],
      { skipped: 1, changed: 2, otherPhotos: 5 },
      1000,
    );
    assert.equal(
      formatSummary(summary, 'r.csv').split('\n')[0],
      '1 photos in 1 s (1.0 photos/s); 1 photo already in r.csv (same path and contents), skipped; ' +
        '2 photos changed since they were graded, graded again (their earlier rows stay); ' +
        'r.csv also holds 5 photos not in this batch (another folder?), kept',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRow, type ResultRow } from './results-file.js';
import { renderReport, summarizeRows } from './report.js';

const STAGES = ['underripe', 'ripe', 'rotten'];

function banana(file: string, n: number, stage: string, index: number, sha = 'a'): ResultRow {
  return {
    file,
    photo_sha256: sha,
    banana: n,
    stage,
    stage_confidence: 0.9,
    ripeness_index: index,
    detection_confidence: 0.8,
    x_min: 1,
    y_min: 2,
    x_max: 3,
    y_max: 4,
    error: null,
  };
}

/** A photo without a banana: the row the results file gives it (an error row without its error). */
const none = (file: string): ResultRow => ({ ...errorRow({ file, sha256: 'a' }, ''), error: null });

describe('crate report', () => {
  const rows = [
    banana('a.jpg', 1, 'ripe', 1.2),
    banana('a.jpg', 2, 'underripe', 0.1),
    banana('b.jpg', 1, 'rotten', 1.9),
    none('c.jpg'),
    errorRow({ file: 'd.jpg', sha256: null }, 'HTTP 422: not an image'),
    // graded again after it changed: only its latest rows count
    banana('e.jpg', 1, 'rotten', 2, 'old'),
    banana('e.jpg', 1, 'underripe', 0.5, 'new'),
  ];

  it('counts bananas per stage and per ripeness bin, photos ripest first, failures apart', () => {
    const summary = summarizeRows(rows, STAGES);
    assert.deepEqual(summary.bananasPerStage, { underripe: 2, ripe: 1, rotten: 1 });
    assert.equal(summary.bananas, 4);
    // bins of 0.5 over 0..2: [0, 0.5) [0.5, 1) [1, 1.5) [1.5, 2]
    assert.deepEqual(summary.histogram, [1, 1, 1, 1]);
    assert.deepEqual(
      summary.photos.map((p) => [p.file, p.worst, p.bananas.length]),
      [
        ['b.jpg', 1.9, 1],
        ['a.jpg', 1.2, 2],
        ['e.jpg', 0.5, 1],
        ['c.jpg', -1, 0],
      ],
    );
    assert.deepEqual(summary.failures, [{ file: 'd.jpg', error: 'HTTP 422: not an image' }]);
  });

  it('renders one document with every number, escaped, and no external reference', () => {
    const summary = summarizeRows([...rows, none('<x>&.jpg')], STAGES);
    const page = renderReport(summary, new Map([['a.jpg', Buffer.from('jpeg')]]), {
      title: 'Ripeness of crate 12',
      generated: '2026-12-07 10:00',
    });
    assert.match(
      page,
      /<span id="photo-count">5<\/span> photos graded, <span id="banana-count">4<\/span> bananas, <span id="failure-count">1<\/span> failed/,
    );
    assert.match(
      page,
      /<tr data-stage="underripe">.*?<td class="count">2<\/td><td>50\.0%<\/td><\/tr>/,
    );
    assert.deepEqual(
      [...page.matchAll(/<g class="bin" data-from="([\d.]+)" data-count="(\d+)">/g)].map((m) => [
        m[1],
        m[2],
      ]),
      [
        ['0.0', '1'],
        ['0.5', '1'],
        ['1.0', '1'],
        ['1.5', '1'],
      ],
    );
    assert.ok(page.includes('src="data:image/jpeg;base64,anBlZw=="'));
    assert.ok(page.includes('data-file="&lt;x&gt;&amp;.jpg"'));
    assert.ok(!page.includes('<x>&.jpg'));
    assert.doesNotMatch(page, /(src|href)="(https?:|\/\/)/);
    assert.match(page, /<li data-file="d\.jpg"><b>d\.jpg<\/b>: HTTP 422: not an image<\/li>/);
  });
});

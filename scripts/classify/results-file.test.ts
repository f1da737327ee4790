import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ClassifyAnswer } from './format-result.js';
import {
  CSV_HEADER,
  errorRow,
  formatRows,
  gradedFiles,
  parseCsv,
  ResultsFile,
  wholeRecordsLength,
  rowsOfAnswer,
} from './results-file.js';

const ANSWER: ClassifyAnswer = {
  detections: [
    {
      box: { x_min: 10.44, y_min: 20, x_max: 110.66, y_max: 80 },
      confidence: 0.91234,
      stage: 'ripe',
      stage_confidence: 0.87654,
      ripeness_index: 2.123,
    },
    {
      box: { x_min: 0, y_min: 0, x_max: 5, y_max: 5 },
      confidence: 0.3,
      stage: 'rotten',
      stage_confidence: 0.5,
      ripeness_index: 4.5,
    },
  ],
  summary: {},
  image: { width: 640, height: 480 },
  timings_ms: {},
};
const NONE: ClassifyAnswer = { ...ANSWER, detections: [] };

describe('results rows', () => {
  it('one row per banana, numbered in the order of the detections', () => {
    assert.equal(
      formatRows(rowsOfAnswer('a.jpg', ANSWER), 'csv'),
      'a.jpg,1,ripe,0.8765,2.12,0.9123,10.4,20,110.7,80,\na.jpg,2,rotten,0.5,4.5,0.3,0,0,5,5,\n',
    );
  });
  it('a photo without bananas and a failed photo still get one row', () => {
    assert.equal(formatRows(rowsOfAnswer('empty.jpg', NONE), 'csv'), 'empty.jpg,,,,,,,,,,\n');
    assert.equal(
      formatRows([errorRow('bad, "one".jpg', 'HTTP 415: not a photo')], 'csv'),
      '"bad, ""one"".jpg",,,,,,,,,,HTTP 415: not a photo\n',
    );
    assert.deepEqual(JSON.parse(formatRows(rowsOfAnswer('empty.jpg', NONE), 'jsonl')), {
      file: 'empty.jpg',
      banana: null,
      stage: null,
      stage_confidence: null,
      ripeness_index: null,
      detection_confidence: null,
      x_min: null,
      y_min: null,
      x_max: null,
      y_max: null,
      error: null,
    });
  });
  it('quotes fields holding CR, LF or CRLF', () => {
    assert.equal(
      formatRows([errorRow('a.jpg', 'one\r\ntwo')], 'csv'),
      'a.jpg,,,,,,,,,,"one\r\ntwo"\n',
    );
    assert.equal(formatRows([errorRow('a.jpg', 'one\rtwo')], 'csv'), 'a.jpg,,,,,,,,,,"one\rtwo"\n');
  });
  it('parses CSV with quoted commas, quotes and newlines', () => {
    assert.deepEqual(parseCsv('a,"b,""c""\nd",e\r\nf,,\n'), [
      ['a', 'b,"c"\nd', 'e'],
      ['f', '', ''],
    ]);
  });
});

describe('wholeRecordsLength', () => {
  it('ends after the last newline outside quotes', () => {
    assert.equal(wholeRecordsLength('a\nb', 'jsonl'), 2);
    assert.equal(wholeRecordsLength('a,b\n"c\nd",e\n"f\n', 'csv'), 12);
    assert.equal(wholeRecordsLength('', 'csv'), 0);
  });
});

describe('gradedFiles', () => {
  const rows = [
    ...rowsOfAnswer('a.jpg', ANSWER),
    ...rowsOfAnswer('b, c.jpg', NONE),
    errorRow('d.jpg', 'HTTP 422: undecodable'),
  ];
  it('names the photos graded without an error (failed ones are tried again)', () => {
    const expected = new Set(['a.jpg', 'b, c.jpg']);
    assert.deepEqual(gradedFiles(CSV_HEADER + formatRows(rows, 'csv'), 'csv'), expected);
    assert.deepEqual(gradedFiles(formatRows(rows, 'jsonl'), 'jsonl'), expected);
  });
  it('ignores a last row cut short by an interruption', () => {
    assert.deepEqual(gradedFiles(`${CSV_HEADER}a.jpg,1,ripe`, 'csv'), new Set());
    assert.deepEqual(gradedFiles('{"file":"a.jpg","err', 'jsonl'), new Set());
  });
});

describe('ResultsFile', () => {
  let dir = '';
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('writes the header once, appends photo by photo and reads back what is graded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'results-'));
    const path = join(dir, 'r.csv');
    const first = await ResultsFile.open(path);
    await Promise.all([
      first.append(rowsOfAnswer('a.jpg', ANSWER)),
      first.append(rowsOfAnswer('b.jpg', NONE)),
    ]);
    const again = await ResultsFile.open(path);
    assert.deepEqual(again.graded, new Set(['a.jpg', 'b.jpg']));
    await again.append([errorRow('c.jpg', 'x')]);
    const text = await readFile(path, 'utf8');
    assert.equal(text.split('\n').filter((l) => l.startsWith('file,')).length, 1);
    assert.equal(text.split('\n').length, 6); // header, 2 + 1 + 1 rows, final newline
  });
  it('drops a row cut short by an interruption before resuming', async () => {
    const path = join(dir, 'cut.jsonl');
    const whole = formatRows(rowsOfAnswer('a.jpg', NONE), 'jsonl');
    await writeFile(path, `${whole}{"file":"b.jpg","ban`);
    const file = await ResultsFile.open(path);
    await file.append(rowsOfAnswer('b.jpg', NONE));
    assert.equal(
      await readFile(path, 'utf8'),
      whole + formatRows(rowsOfAnswer('b.jpg', NONE), 'jsonl'),
    );
    assert.deepEqual((await ResultsFile.open(path)).graded, new Set(['a.jpg', 'b.jpg']));
  });
  it('drops a cut-short CSV row, also one cut inside a quoted newline', async () => {
    const path = join(dir, 'cut.csv');
    const whole = CSV_HEADER + formatRows([errorRow('a.jpg', 'line one\r\nline two')], 'csv');
    await writeFile(path, `${whole}b.jpg,,,,,,,,,,"first line\n`);
    await (await ResultsFile.open(path)).append(rowsOfAnswer('c.jpg', NONE));
    assert.equal(
      await readFile(path, 'utf8'),
      whole + formatRows(rowsOfAnswer('c.jpg', NONE), 'csv'),
    );
  });
});

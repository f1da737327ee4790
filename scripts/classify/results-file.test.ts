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
  gradedPhotos,
  photoSha256,
  readResults,
  ResultsFile,
  ResultsFileError,
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
const A = { file: 'a.jpg', sha256: 'aa11' };
const B = { file: 'b.jpg', sha256: 'bb22' };
const C = { file: 'c.jpg', sha256: 'cc33' };

describe('results rows', () => {
  it('one row per banana, numbered in the order of the detections, with the photo and its hash', () => {
    assert.equal(
      formatRows(rowsOfAnswer(A, ANSWER), 'csv'),
      'a.jpg,aa11,1,ripe,0.8765,2.12,0.9123,10.4,20,110.7,80,\n' +
        'a.jpg,aa11,2,rotten,0.5,4.5,0.3,0,0,5,5,\n',
    );
  });
  it('a photo without bananas and a failed photo still get one row', () => {
    assert.equal(formatRows(rowsOfAnswer(A, NONE), 'csv'), 'a.jpg,aa11,,,,,,,,,,\n');
    assert.equal(
      formatRows([errorRow({ file: 'bad, "one".jpg', sha256: null }, 'HTTP 415: no')], 'csv'),
      '"bad, ""one"".jpg",,,,,,,,,,,HTTP 415: no\n',
    );
    assert.deepEqual(JSON.parse(formatRows(rowsOfAnswer(A, NONE), 'jsonl')), {
      file: 'a.jpg',
      photo_sha256: 'aa11',
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
      formatRows([errorRow(A, 'one\r\ntwo')], 'csv'),
      'a.jpg,aa11,,,,,,,,,,"one\r\ntwo"\n',
    );
    assert.equal(formatRows([errorRow(A, 'one\rtwo')], 'csv'), 'a.jpg,aa11,,,,,,,,,,"one\rtwo"\n');
  });
  it('hashes the photo bytes with SHA-256', () => {
    assert.equal(
      photoSha256(Buffer.from('abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('readResults', () => {
  const rows = [
    ...rowsOfAnswer(A, ANSWER),
    ...rowsOfAnswer({ file: 'b, "c".jpg', sha256: 'bc' }, NONE),
    errorRow({ file: 'd.jpg', sha256: 'dd' }, 'HTTP 422: undecodable\nsecond line'),
  ];
  it('reads back what was written, in both formats', () => {
    const csv = Buffer.from(CSV_HEADER + formatRows(rows, 'csv'));
    assert.deepEqual(readResults(csv, 'csv'), { rows, wholeBytes: csv.length });
    const jsonl = Buffer.from(formatRows(rows, 'jsonl'));
    assert.deepEqual(readResults(jsonl, 'jsonl'), { rows, wholeBytes: jsonl.length });
  });
  it('names the photos graded without an error, by path and hash (failed ones are tried again)', () => {
    assert.deepEqual(
      gradedPhotos(rows),
      new Map([
        ['a.jpg', new Set(['aa11'])],
        ['b, "c".jpg', new Set(['bc'])],
      ]),
    );
  });
  it('ends before a last record cut short, also one cut inside a quoted field', () => {
    const whole = CSV_HEADER + formatRows(rows, 'csv');
    const wholeBytes = Buffer.byteLength(whole);
    for (const cut of ['a.jpg,aa11,1,ri', 'd.jpg,dd,,,,,,,,,,"first line\n', 'e.jpg,"e']) {
      const read = readResults(Buffer.from(whole + cut), 'csv');
      assert.equal(read.wholeBytes, wholeBytes, cut);
      assert.deepEqual(read.rows, rows, cut);
    }
    const jsonl = formatRows(rows, 'jsonl');
    const read = readResults(Buffer.from(`${jsonl}{"file":"e.jpg","err`), 'jsonl');
    assert.deepEqual(read, { rows, wholeBytes: Buffer.byteLength(jsonl) });
  });
  it('counts bytes, not characters, for names outside ASCII', () => {
    const text =
      CSV_HEADER + formatRows(rowsOfAnswer({ file: 'plátano ñ.jpg', sha256: 'x' }, NONE), 'csv');
    assert.equal(readResults(Buffer.from(`${text}cut`), 'csv').wholeBytes, Buffer.byteLength(text));
  });
  it('refuses a file of other columns or not of ours, saying why', () => {
    const old = 'file,banana,stage\na.jpg,1,ripe\n';
    assert.throws(() => readResults(Buffer.from(old), 'csv'), ResultsFileError);
    assert.throws(() => readResults(Buffer.from(old), 'csv'), /its columns are file,banana,stage/);
    assert.throws(
      () => readResults(Buffer.from(`${CSV_HEADER}a,"b"c,d\n`), 'csv'),
      /not a results file/,
    );
    assert.throws(() => readResults(Buffer.from('{"file":"a.jpg"}\n'), 'jsonl'), /photo_sha256/);
    assert.throws(() => readResults(Buffer.from('nope\n'), 'jsonl'), /line 1 is not JSON/);
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
    await Promise.all([first.append(rowsOfAnswer(A, ANSWER)), first.append(rowsOfAnswer(B, NONE))]);
    const again = await ResultsFile.open(path);
    assert.equal(again.has(A), true);
    assert.equal(again.has(B), true);
    assert.equal(again.has({ ...A, sha256: 'other' }), false, 'same name, other contents');
    assert.equal(again.has({ file: 'x/a.jpg', sha256: A.sha256 }), false, 'other path');
    await again.append([errorRow(C, 'x')]);
    const text = await readFile(path, 'utf8');
    assert.equal(text.split('\n').filter((l) => l.startsWith('file,')).length, 1);
    assert.equal(text.split('\n').length, 6); // header, 2 + 1 + 1 rows, final newline
  });
  it('drops a row cut short by an interruption before resuming', async () => {
    const path = join(dir, 'cut.jsonl');
    const whole = formatRows(rowsOfAnswer(A, NONE), 'jsonl');
    await writeFile(path, `${whole}{"file":"b.jpg","ban`);
    const file = await ResultsFile.open(path);
    await file.append(rowsOfAnswer(B, NONE));
    assert.equal(await readFile(path, 'utf8'), whole + formatRows(rowsOfAnswer(B, NONE), 'jsonl'));
    assert.equal((await ResultsFile.open(path)).has(B), true);
  });
  it('drops a cut-short CSV row, also one cut inside a quoted newline', async () => {
    const path = join(dir, 'cut.csv');
    const whole = CSV_HEADER + formatRows([errorRow(A, 'line one\r\nline two')], 'csv');
    await writeFile(path, `${whole}b.jpg,bb22,,,,,,,,,,"first line\n`);
    await (await ResultsFile.open(path)).append(rowsOfAnswer(C, NONE));
    assert.equal(await readFile(path, 'utf8'), whole + formatRows(rowsOfAnswer(C, NONE), 'csv'));
  });
  it('rewrites the header of a file cut inside its header', async () => {
    const path = join(dir, 'header.csv');
    await writeFile(path, 'file,photo_sh');
    await (await ResultsFile.open(path)).append(rowsOfAnswer(A, NONE));
    assert.equal(
      await readFile(path, 'utf8'),
      CSV_HEADER + formatRows(rowsOfAnswer(A, NONE), 'csv'),
    );
  });
  it('refuses to resume a file of another version, naming it', async () => {
    const path = join(dir, 'old.csv');
    await writeFile(path, 'file,banana\na.jpg,1\n');
    await assert.rejects(
      ResultsFile.open(path),
      /cannot resume .*old\.csv: its columns are file,banana/,
    );
  });
});

// Fuzzing the results-file reader that a resume trusts: any bytes on disk are read back as
// whole rows or refused with a ResultsFileError (never another error), and whatever rows
// were written, including names and messages with quotes, commas and newlines, come back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz.js';
import {
  CSV_HEADER,
  formatRows,
  readResults,
  ResultsFileError,
  type ResultFormat,
  type ResultRow,
} from './results-file.js';

const text = fc.string({
  unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '0', '{', '}'),
});
const number = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
  .map((v) => Number(v.toFixed(3)) || 0); // rounded as rowsOfAnswer rounds; -0 reads back as 0
const row: fc.Arbitrary<ResultRow> = fc
  .record({
    file: fc.string({ minLength: 1 }),
    photo_sha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
    banana: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
    stage: fc.option(
      text.filter((t) => t !== ''),
      { nil: null },
    ),
    stage_confidence: fc.option(number, { nil: null }),
    ripeness_index: fc.option(number, { nil: null }),
    detection_confidence: fc.option(number, { nil: null }),
    x_min: fc.option(number, { nil: null }),
    y_min: fc.option(number, { nil: null }),
    x_max: fc.option(number, { nil: null }),
    y_max: fc.option(number, { nil: null }),
    error: fc.option(
      text.filter((t) => t !== ''),
      { nil: null },
    ),
  })
  .map((generated) => ({ ...generated })); // a plain object, as the reader makes
const format = fc.constantFrom<ResultFormat>('csv', 'jsonl');

function written(rows: ResultRow[], as: ResultFormat): Buffer {
  return Buffer.from((as === 'csv' ? CSV_HEADER : '') + formatRows(rows, as));
}

describe('results file reader (fuzzed)', () => {
  it('reads back every row written, in both formats', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), format, (rows, as) => {
        const bytes = written(rows, as);
        assert.deepEqual(readResults(bytes, as), { rows, wholeBytes: bytes.length });
      }),
      fuzzParameters(300),
    );
  });

  it('reads a file cut anywhere as the rows before the cut, or refuses it', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 5 }),
        format,
        fc.nat(),
        (rows, as, at) => {
          const bytes = written(rows, as);
          const cut = bytes.subarray(0, at % (bytes.length + 1));
          let read;
          try {
            read = readResults(cut, as);
          } catch (error) {
            // Only a cut inside the header (CSV) or bytes that are not ours may be refused.
            assert.ok(error instanceof ResultsFileError, String(error));
            return;
          }
          assert.ok(read.wholeBytes <= cut.length);
          assert.deepEqual(read.rows, rows.slice(0, read.rows.length), 'a prefix of the rows');
        },
      ),
      fuzzParameters(300),
    );
  });

  it('refuses any other bytes with a ResultsFileError, never another error', () => {
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.array(text, { maxLength: 6 }).map((lines) => Buffer.from(CSV_HEADER + lines.join('\n'))),
      fc.array(fc.json(), { maxLength: 5 }).map((lines) => Buffer.from(lines.join('\n') + '\n')),
    );
    fc.assert(
      fc.property(junk, format, (bytes, as) => {
        try {
          const read = readResults(bytes, as);
          assert.ok(read.wholeBytes <= bytes.length);
        } catch (error) {
          assert.ok(error instanceof ResultsFileError, String(error));
        }
      }),
      fuzzParameters(500),
    );
  });
});

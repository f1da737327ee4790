/**
 * The results file of a batch: one row per banana (a photo without bananas, or one that failed,
 * still gets one row), as CSV or JSON Lines by the file's extension. Rows are appended photo by
 * photo, so an interrupted batch leaves whole photos behind and can be resumed. Every row names
 * its photo by path (from the results file's folder) and by the SHA-256 of its bytes, so that a
 * resume skips a photo only when both match: a same-named photo of another folder, or one
 * changed since, is graded. CSV is read and written by csv-parse / csv-stringify.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, truncate } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse, type CsvError } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { ClassifyAnswer } from './format-result.js';

export interface ResultRow {
  /** The photo's path from the results file's folder (absolute when outside it). */
  file: string;
  /** SHA-256 of the photo's bytes, hex; null when the photo could not be read. */
  photo_sha256: string | null;
  /** 1-based, in the order of the function's detections; null: no banana (or an error). */
  banana: number | null;
  stage: string | null;
  stage_confidence: number | null;
  /** The answer's ripeness_index: expected stage, 0 … stages − 1. */
  ripeness_index: number | null;
  detection_confidence: number | null;
  x_min: number | null;
  y_min: number | null;
  x_max: number | null;
  y_max: number | null;
  /** Why the photo could not be graded; null when it was. */
  error: string | null;
}

export const COLUMNS = [
  'file',
  'photo_sha256',
  'banana',
  'stage',
  'stage_confidence',
  'ripeness_index',
  'detection_confidence',
  'x_min',
  'y_min',
  'x_max',
  'y_max',
  'error',
] as const satisfies readonly (keyof ResultRow)[];

/** A photo as the results name it. */
export interface PhotoId {
  file: string;
  sha256: string | null;
}

export const photoSha256 = (bytes: Buffer): string =>
  createHash('sha256').update(bytes).digest('hex');

const EMPTY = {
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
} as const;

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The rows of one graded photo: one per banana, or one empty row when there is none. */
/** The columns that name a photo. */
const idColumns = (photo: PhotoId) => ({ file: photo.file, photo_sha256: photo.sha256 });

export function rowsOfAnswer(photo: PhotoId, answer: ClassifyAnswer): ResultRow[] {
  const id = idColumns(photo);
  if (answer.detections.length === 0) return [{ ...id, ...EMPTY }];
  return answer.detections.map((d, i) => ({
    ...id,
    banana: i + 1,
    stage: d.stage,
    stage_confidence: round(d.stage_confidence, 4),
    ripeness_index: round(d.ripeness_index, 2),
    detection_confidence: round(d.confidence, 4),
    x_min: round(d.box.x_min, 1),
    y_min: round(d.box.y_min, 1),
    x_max: round(d.box.x_max, 1),
    y_max: round(d.box.y_max, 1),
    error: null,
  }));
}

export function errorRow(photo: PhotoId, error: string): ResultRow {
  return { ...idColumns(photo), ...EMPTY, error };
}

export type ResultFormat = 'csv' | 'jsonl';

export function formatOf(path: string): ResultFormat {
  return extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
}

/** A lone CR is quoted too, so that no reader takes it for the end of a record. */
const CSV_OPTIONS = { columns: [...COLUMNS], quoted_match: /\r/ } as const;

export const CSV_HEADER = stringify([], { ...CSV_OPTIONS, header: true });

export function formatRows(rows: readonly ResultRow[], format: ResultFormat): string {
  if (format === 'csv') return stringify([...rows], CSV_OPTIONS);
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** A results file that cannot be resumed: not one of ours, or of another column layout. */
export class ResultsFileError extends Error {}

/** What a results file holds, up to its last whole record. */
export interface ResultsText {
  rows: ResultRow[];
  /** Bytes up to the end of the last whole record: a record cut short by an interruption is dropped. */
  wholeBytes: number;
}

/** The columns that hold text; every other column holds a number (or nothing). */
const TEXT_COLUMNS = new Set<string>(['file', 'photo_sha256', 'stage', 'error']);

function rowOfRecord(record: readonly string[]): ResultRow {
  const entries = COLUMNS.map((column, i) => {
    const text = record[i] ?? '';
    if (text === '') return [column, null];
    return [column, TEXT_COLUMNS.has(column) ? text : Number(text)];
  });
  return Object.fromEntries(entries) as ResultRow;
}

const NEWLINE = 0x0a;

function readCsv(bytes: Buffer): ResultsText {
  const records: { record: string[]; bytes: number }[] = [];
  try {
    parse(bytes, {
      relax_column_count: true,
      on_record: (record: string[], context) => {
        records.push({ record, bytes: context.bytes });
        return null;
      },
    });
  } catch (error) {
    // A quote left open at the very end is a record cut short inside a quoted field.
    if ((error as CsvError).code !== 'CSV_QUOTE_NOT_CLOSED')
      throw new ResultsFileError(`not a results file: ${(error as Error).message}`);
  }
  // Whole records end with the newline each write ends with.
  const whole = records.filter(({ bytes: end }) => bytes[end - 1] === NEWLINE);
  const [header, ...rest] = whole;
  if (header && header.record.join(',') !== COLUMNS.join(',')) {
    throw new ResultsFileError(
      `its columns are ${header.record.join(',')}, not ${COLUMNS.join(',')} ` +
        '(written by another version, or not a results file)',
    );
  }
  for (const { record } of rest) {
    if (record.length !== COLUMNS.length)
      throw new ResultsFileError(`a row has ${record.length} fields, not ${COLUMNS.length}`);
  }
  return {
    rows: rest.map(({ record }) => rowOfRecord(record)),
    wholeBytes: whole.at(-1)?.bytes ?? 0,
  };
}

function readJsonl(bytes: Buffer): ResultsText {
  const wholeBytes = bytes.lastIndexOf(NEWLINE) + 1;
  const rows = bytes
    .subarray(0, wholeBytes)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new ResultsFileError(`line ${i + 1} is not JSON`);
      }
      if (
        typeof row !== 'object' ||
        row === null ||
        typeof (row as Partial<ResultRow>).file !== 'string' ||
        !('photo_sha256' in row)
      )
        throw new ResultsFileError(
          `line ${i + 1} has no file or photo_sha256 (written by another version?)`,
        );
      return row as ResultRow;
    });
  return { rows, wholeBytes };
}

/** Parses a results file's bytes; throws ResultsFileError when it cannot be resumed. */
export function readResults(bytes: Buffer, format: ResultFormat): ResultsText {
  return format === 'csv' ? readCsv(bytes) : readJsonl(bytes);
}

/** The photos graded without an error (failed ones are tried again): path -> SHA-256s. */
export function gradedPhotos(rows: readonly ResultRow[]): Map<string, Set<string>> {
  const graded = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row.error !== null || row.photo_sha256 === null) continue;
    const hashes = graded.get(row.file) ?? new Set<string>();
    hashes.add(row.photo_sha256);
    graded.set(row.file, hashes);
  }
  return graded;
}

/** Appends to a results file, writing the CSV header into a new or empty file first. */
export class ResultsFile {
  readonly format: ResultFormat;
  private ready: Promise<void>;

  private constructor(
    readonly path: string,
    /** Photos graded without an error: path -> SHA-256s of the contents graded under it. */
    readonly graded: Map<string, Set<string>>,
    needsHeader: boolean,
  ) {
    this.format = formatOf(path);
    this.ready =
      needsHeader && this.format === 'csv' ? appendFile(path, CSV_HEADER) : Promise.resolve();
  }

  /** Opens a results file to resume, after dropping a row cut short by an interruption. */
  static async open(path: string): Promise<ResultsFile> {
    const format = formatOf(path);
    const bytes = existsSync(path) ? await readFile(path) : Buffer.alloc(0);
    let text: ResultsText;
    try {
      text = readResults(bytes, format);
    } catch (error) {
      if (!(error instanceof ResultsFileError)) throw error;
      throw new ResultsFileError(
        `cannot resume ${path}: ${error.message}; give another --out file`,
      );
    }
    if (text.wholeBytes < bytes.length) await truncate(path, text.wholeBytes);
    return new ResultsFile(path, gradedPhotos(text.rows), text.wholeBytes === 0);
  }

  /** Whether this photo, with these contents, was graded already. */
  has(photo: PhotoId): boolean {
    return photo.sha256 !== null && this.graded.get(photo.file)?.has(photo.sha256) === true;
  }

  /** Appends one photo's rows in one write (writes are queued, never interleaved). */
  append(rows: readonly ResultRow[]): Promise<void> {
    this.ready = this.ready.then(() => appendFile(this.path, formatRows(rows, this.format)));
    return this.ready;
  }
}

/**
 * The results file of a batch: one row per banana (a photo without bananas, or one that failed,
 * still gets one row), as CSV or JSON Lines by the file's extension. Rows are appended photo by
 * photo, so an interrupted batch leaves whole photos behind and can be resumed.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, truncate } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ClassifyAnswer } from './format-result.js';

export interface ResultRow {
  file: string;
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
export function rowsOfAnswer(file: string, answer: ClassifyAnswer): ResultRow[] {
  if (answer.detections.length === 0) return [{ file, ...EMPTY }];
  return answer.detections.map((d, i) => ({
    file,
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

export function errorRow(file: string, error: string): ResultRow {
  return { file, ...EMPTY, error };
}

export type ResultFormat = 'csv' | 'jsonl';

export function formatOf(path: string): ResultFormat {
  return extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const CSV_HEADER = `${COLUMNS.join(',')}\n`;

export function formatRows(rows: readonly ResultRow[], format: ResultFormat): string {
  return rows
    .map((row) =>
      format === 'csv'
        ? `${COLUMNS.map((column) => csvField(row[column])).join(',')}\n`
        : `${JSON.stringify(row)}\n`,
    )
    .join('');
}

/** Splits CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines) into records. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** What a results file already holds: the photos graded without an error (they are skipped). */
export function gradedFiles(text: string, format: ResultFormat): Set<string> {
  const graded = new Set<string>();
  const add = (file: unknown, error: unknown): void => {
    if (typeof file === 'string' && (error === null || error === '')) graded.add(file);
  };
  if (format === 'csv') {
    const [header, ...records] = parseCsv(text);
    const fileAt = header?.indexOf('file') ?? -1;
    const errorAt = header?.indexOf('error') ?? -1;
    // A last record cut short by an interruption has fewer fields: it does not count.
    for (const record of records) {
      if (record.length === COLUMNS.length) add(record[fileAt], record[errorAt]);
    }
  } else {
    for (const line of text.split('\n')) {
      try {
        const row = JSON.parse(line) as Partial<ResultRow>;
        add(row.file, row.error);
      } catch {
        // an empty or cut-short line
      }
    }
  }
  return graded;
}

/**
 * Length of the text up to the end of its last whole record: a batch that was interrupted
 * while appending may have left half a row, which is dropped (its photo is graded again).
 * In CSV a newline inside a quoted field does not end a record.
 */
export function wholeRecordsLength(text: string, format: ResultFormat): number {
  if (format === 'jsonl') return text.lastIndexOf('\n') + 1;
  let quoted = false;
  let end = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (char === '"') quoted = !quoted;
    else if (char === '\n' && !quoted) end = i + 1;
  }
  return end;
}

/** Appends to a results file, writing the CSV header into a new or empty file first. */
export class ResultsFile {
  readonly format: ResultFormat;
  private ready: Promise<void>;

  private constructor(
    readonly path: string,
    readonly graded: Set<string>,
    needsHeader: boolean,
  ) {
    this.format = formatOf(path);
    this.ready =
      needsHeader && this.format === 'csv' ? appendFile(path, CSV_HEADER) : Promise.resolve();
  }

  /** Opens a results file to resume, after dropping a row cut short by an interruption. */
  static async open(path: string): Promise<ResultsFile> {
    const format = formatOf(path);
    let text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const whole = wholeRecordsLength(text, format);
    if (whole < text.length) {
      text = text.slice(0, whole);
      await truncate(path, Buffer.byteLength(text));
    }
    return new ResultsFile(path, gradedFiles(text, format), text === '');
  }

  /** Appends one photo's rows in one write (writes are queued, never interleaved). */
  append(rows: readonly ResultRow[]): Promise<void> {
    this.ready = this.ready.then(() => appendFile(this.path, formatRows(rows, this.format)));
    return this.ready;
  }
}

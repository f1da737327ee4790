/** A folder (or list) of photos graded through the function into a results file. */
import { readFile } from 'node:fs/promises';
import { runLoad } from '../lib/load.js';
import {
  FunctionRefused,
  FunctionUnauthorized,
  FunctionUnreachable,
  postPhoto,
} from './function-client.js';
import { displayName } from './photos.js';
import { formatProgress, summarize, type BatchSummary } from './progress.js';
import { errorRow, ResultsFile, rowsOfAnswer, type ResultRow } from './results-file.js';

export interface BatchOptions {
  photos: readonly string[];
  /** Photos are named relative to this folder in the results. */
  baseDir: string;
  resultsPath: string;
  url: string;
  minConfidence?: string;
  concurrency: number;
  apiKey?: string | undefined;
  /** Called with the progress line after each photo (e.g. to redraw it on a terminal). */
  onProgress?: (line: string) => void;
}

/**
 * Grades every photo not yet in the results file. A photo that fails gets its error as its row
 * and the batch goes on; it rejects only when no function answers or the file cannot be written.
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const results = await ResultsFile.open(options.resultsPath);
  const pending = options.photos
    .map((path) => ({ path, name: displayName(path, options.baseDir) }))
    .filter((photo) => !results.graded.has(photo.name));
  const skipped = options.photos.length - pending.length;
  const written: ResultRow[] = [];
  /** Stops the batch: no function answers, a key is refused, or the results file cannot be written. */
  let fatal: Error | undefined;
  let done = 0;
  const started = performance.now();
  options.onProgress?.(formatProgress(0, pending.length, 0));

  const grade = async (index: number): Promise<boolean> => {
    if (fatal) return false;
    const photo = pending[index];
    if (!photo) return false;
    let rows: ResultRow[];
    try {
      const answer = await postPhoto(await readFile(photo.path), {
        url: options.url,
        minConfidence: options.minConfidence,
        annotated: false,
        apiKey: options.apiKey,
      });
      rows = rowsOfAnswer(photo.name, answer);
    } catch (error) {
      if (error instanceof FunctionUnreachable || error instanceof FunctionUnauthorized) {
        fatal = error;
        return false;
      }
      const message =
        error instanceof FunctionRefused
          ? error.message
          : `cannot read the photo: ${(error as Error).message}`;
      rows = [errorRow(photo.name, message)];
    }
    try {
      await results.append(rows);
    } catch (error) {
      fatal = new Error(`cannot write ${options.resultsPath}: ${(error as Error).message}`);
      return false;
    }
    written.push(...rows);
    done += 1;
    options.onProgress?.(formatProgress(done, pending.length, performance.now() - started));
    return rows[0]?.error === null;
  };

  await runLoad({ concurrency: options.concurrency, requests: pending.length, send: grade });
  if (fatal) throw fatal;
  return summarize(written, skipped, performance.now() - started);
}

/** A folder (or list) of photos graded through the function into a results file. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runLoad } from '../lib/load.js';
import {
  FunctionRefused,
  FunctionUnauthorized,
  FunctionUnreachable,
  postPhoto,
} from './function-client.js';
import { displayName } from './photos.js';
import { formatProgress, summarize, type BatchSummary, type ResumeCounts } from './progress.js';
import {
  errorRow,
  photoSha256,
  ResultsFile,
  rowsOfAnswer,
  type PhotoId,
  type ResultRow,
} from './results-file.js';

export interface BatchOptions {
  photos: readonly string[];
  resultsPath: string;
  url: string;
  minConfidence?: string;
  concurrency: number;
  apiKey?: string | undefined;
  /** Called with the progress line after each photo (e.g. to redraw it on a terminal). */
  onProgress?: (line: string) => void;
}

interface PendingPhoto {
  path: string;
  file: string;
  /** Read while deciding whether it was graded already; read when sent otherwise. */
  bytes?: Buffer;
}

/**
 * Which photos still need grading. A photo whose path is in the results file is read and
 * hashed: skipped when its contents were graded under that path, graded again when they
 * changed. Results of photos outside this batch (another folder) are counted, never matched.
 */
async function planResume(
  photos: readonly PendingPhoto[],
  results: ResultsFile,
): Promise<{ pending: PendingPhoto[]; counts: ResumeCounts }> {
  const pending: PendingPhoto[] = [];
  const counts: ResumeCounts = { skipped: 0, changed: 0, otherPhotos: 0 };
  for (const photo of photos) {
    if (!results.graded.has(photo.file)) {
      pending.push(photo);
      continue;
    }
    const bytes = await readFile(photo.path).catch(() => undefined);
    if (bytes && results.has({ file: photo.file, sha256: photoSha256(bytes) })) {
      counts.skipped += 1;
      continue;
    }
    if (bytes) counts.changed += 1;
    pending.push({ ...photo, ...(bytes && { bytes }) });
  }
  const inBatch = new Set(photos.map((photo) => photo.file));
  counts.otherPhotos = [...results.graded.keys()].filter((file) => !inBatch.has(file)).length;
  return { pending, counts };
}

/**
 * Grades every photo not yet in the results file. A photo that fails gets its error as its row
 * and the batch goes on; it rejects only when no function answers or the file cannot be written.
 */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const results = await ResultsFile.open(options.resultsPath);
  // Paths from the results file's folder: the same file name in two folders stays two photos.
  const base = dirname(options.resultsPath);
  const { pending, counts } = await planResume(
    options.photos.map((path) => ({ path, file: displayName(path, base) })),
    results,
  );
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
    let id: PhotoId = { file: photo.file, sha256: null };
    let rows: ResultRow[];
    try {
      const bytes = photo.bytes ?? (await readFile(photo.path));
      id = { file: photo.file, sha256: photoSha256(bytes) };
      const answer = await postPhoto(bytes, {
        url: options.url,
        minConfidence: options.minConfidence,
        annotated: false,
        apiKey: options.apiKey,
      });
      rows = rowsOfAnswer(id, answer);
    } catch (error) {
      if (error instanceof FunctionUnreachable || error instanceof FunctionUnauthorized) {
        fatal = error;
        return false;
      }
      const message =
        error instanceof FunctionRefused
          ? error.message
          : `cannot read the photo: ${(error as Error).message}`;
      rows = [errorRow(id, message)];
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
  return summarize(written, counts, performance.now() - started);
}

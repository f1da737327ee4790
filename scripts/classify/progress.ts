/** The batch's progress line (stderr, terminals only) and its closing summary. */
import type { ResultRow } from './results-file.js';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `[#####-----] 37/120  3.2 photos/s  ETA 26 s` */
export function formatProgress(done: number, total: number, elapsedMs: number, width = 30): string {
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)} photos/s  ETA ${done === total ? '0 s' : duration(Math.max(1, eta))}`;
}

/** How a resumed batch relates to what its results file held. */
export interface ResumeCounts {
  /** Graded before under the same path with the same contents. */
  skipped: number;
  /** Graded before under the same path, but their contents changed since: graded again. */
  changed: number;
  /** Photos in the results file that are not in this batch (another folder): kept as they are. */
  otherPhotos: number;
}

export interface BatchSummary extends ResumeCounts {
  photos: number;
  failed: number;
  withoutBananas: number;
  bananas: number;
  /** Bananas per stage, in the order the stages first appeared. */
  perStage: Record<string, number>;
  elapsedMs: number;
}

export function summarize(
  rows: readonly ResultRow[],
  resume: ResumeCounts,
  elapsedMs: number,
): BatchSummary {
  const files = new Set(rows.map((r) => r.file));
  const perStage: Record<string, number> = {};
  let bananas = 0;
  for (const row of rows) {
    if (row.stage === null) continue;
    bananas += 1;
    perStage[row.stage] = (perStage[row.stage] ?? 0) + 1;
  }
  return {
    photos: files.size,
    ...resume,
    failed: rows.filter((r) => r.error !== null).length,
    withoutBananas: rows.filter((r) => r.error === null && r.banana === null).length,
    bananas,
    perStage,
    elapsedMs,
  };
}

export function formatSummary(summary: BatchSummary, resultsPath: string): string {
  const rate = summary.elapsedMs > 0 ? (summary.photos * 1000) / summary.elapsedMs : 0;
  const stages = Object.entries(summary.perStage)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  const photos = (n: number) => `${n} ${n === 1 ? 'photo' : 'photos'}`;
  const resume = [
    summary.skipped > 0 &&
      `${photos(summary.skipped)} already in ${resultsPath} (same path and contents), skipped`,
    summary.changed > 0 &&
      `${photos(summary.changed)} changed since they were graded, graded again (their earlier rows stay)`,
    summary.otherPhotos > 0 &&
      `${resultsPath} also holds ${photos(summary.otherPhotos)} not in this batch (another folder?), kept`,
  ].filter((line): line is string => typeof line === 'string');
  return [
    `${summary.photos} photos in ${duration(summary.elapsedMs / 1000)} (${rate.toFixed(1)} photos/s)` +
      (resume.length > 0 ? `; ${resume.join('; ')}` : ''),
    `${summary.bananas} bananas; ${summary.withoutBananas} photos without a banana; ${summary.failed} failed`,
    `per stage: ${stages === '' ? '-' : stages}`,
    `results: ${resultsPath}`,
  ].join('\n');
}

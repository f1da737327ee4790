/**
 * batching: classifier cost of N crops in one Classify call (one model run) against N calls
 * of one crop each, over gRPC with the typed client, as the function sends them (raw RGB crops
 * at the classifier's input size).
 */
import { createClassifierClient, type ClassifierClient } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { spawnComponent } from '../scripts/lib/launcher.js';
import { classifierCrops, type RawCrop } from './harness/crops.js';
import { writeResult } from './harness/results.js';
import { median } from '../scripts/lib/stats.js';
import { printTables, type Table, round2 } from './harness/table.js';

export const BATCH_SIZES = [1, 4, 8, 16] as const;

export interface BatchingResult {
  n: number;
  reps: number;
  /** Median wall time of one call with n crops. */
  batchedMs: number;
  /** Median wall time of n sequential one-crop calls. */
  singlesMs: number;
  /** batchedMs / singlesMs */
  ratio: number;
}

async function timeCall(client: ClassifierClient, crops: RawCrop[]): Promise<number> {
  const start = performance.now();
  const response = await client.classify({ rawCrops: crops }, { deadlineMs: 30_000 });
  if (response.results.length !== crops.length) throw new Error('wrong number of results');
  return performance.now() - start;
}

/** Median time of one call with all `crops` against `crops.length` sequential one-crop calls. */
export async function measureBatchRatio(
  client: ClassifierClient,
  crops: RawCrop[],
  reps: number,
): Promise<{ batchedMs: number; singlesMs: number; ratio: number }> {
  for (let i = 0; i < 3; i++) await timeCall(client, crops);
  const batched: number[] = [];
  const singles: number[] = [];
  for (let r = 0; r < reps; r++) {
    batched.push(await timeCall(client, crops));
    let total = 0;
    for (const crop of crops) total += await timeCall(client, [crop]);
    singles.push(total);
  }
  const b = median(batched);
  const s = median(singles);
  return {
    batchedMs: Math.round(b * 100) / 100,
    singlesMs: Math.round(s * 100) / 100,
    ratio: Math.round((b / s) * 1000) / 1000,
  };
}

export async function runBatching(context: BenchContext): Promise<BatchingResult[]> {
  const photo = await context.photo(TARGET_PHOTO);
  await ensureBuilt(['classifier']);
  const service = await spawnComponent({
    component: 'classifier',
    runtime: 'dist',
    env: { INTRA_OP_THREADS: String(context.intraOpThreads), MAX_QUEUE: '64' },
  });
  const client = createClassifierClient({ target: `127.0.0.1:${service.port}` });
  const results: BatchingResult[] = [];
  try {
    const crops = await classifierCrops(client, photo.jpeg, Math.max(...BATCH_SIZES));
    for (let i = 0; i < 5; i++) await timeCall(client, crops.slice(0, 4));
    for (const n of BATCH_SIZES) {
      const batch = crops.slice(0, n);
      const reps = context.scale(n >= 8 ? 15 : 25, 4);
      const { batchedMs: b, singlesMs: s } = await measureBatchRatio(client, batch, reps);
      results.push({
        n,
        reps,
        batchedMs: b,
        singlesMs: s,
        ratio: Math.round((b / s) * 1000) / 1000,
      });
    }
  } finally {
    client.close();
    await service.stop();
  }
  printTables(batchingTables({ batches: results }));
  writeResult(
    'batching',
    {
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
      crops:
        'raw RGB at the classifier input size, regions of about 200x110 px of the target photo',
      limitRatioAt8: 0.4,
    },
    { batches: results },
  );
  return results;
}

export function batchingTables(results: { batches: BatchingResult[] }): Table[] {
  return [
    {
      title:
        'batching: classifier over gRPC, N raw crops in one call vs N one-crop calls (median ms)',
      header: ['N', 'reps', 'one call', 'N calls', 'ratio', 'per crop (batched)'],
      rows: results.batches.map((r) => [
        r.n,
        r.reps,
        r.batchedMs,
        r.singlesMs,
        r.ratio,
        round2(r.batchedMs / r.n),
      ]),
    },
  ];
}

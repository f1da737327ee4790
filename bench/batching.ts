/**
 * batching: classifier cost of N crops in one Classify call (one model run) against N calls
 * of one crop each, over gRPC with the typed client, as the function sends them (raw RGB crops).
 */
import sharp from 'sharp';
import { createClassifierClient, type ClassifierClient } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { spawnComponent } from '../scripts/lib/launcher.js';
import type { RawCrop } from './harness/crops.js';
import { writeResult } from './harness/results.js';
import { median } from '../scripts/lib/stats.js';
import { printTables } from './harness/table.js';
import { batchingTables } from './tables.js';

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

/** Banana-sized crops (about 200 x 110 px, as in a 1280 px photo) cut from the target photo. */
async function cutCrops(jpeg: Buffer, count: number): Promise<RawCrop[]> {
  const { width, height } = await sharp(jpeg).metadata();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const w = 180 + (i % 5) * 10;
      const h = 100 + (i % 3) * 10;
      const left = (i * 97) % (width - w);
      const top = (i * 61) % (height - h);
      const { data, info } = await sharp(jpeg)
        .extract({ left, top, width: w, height: h })
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { rgb: data, width: info.width, height: info.height };
    }),
  );
}

async function timeCall(client: ClassifierClient, crops: RawCrop[]): Promise<number> {
  const start = performance.now();
  const response = await client.classify({ rawCrops: crops }, { deadlineMs: 30_000 });
  if (response.results.length !== crops.length) throw new Error('wrong number of results');
  return performance.now() - start;
}

export async function runBatching(context: BenchContext): Promise<BatchingResult[]> {
  const photo = await context.photo(TARGET_PHOTO);
  const crops = await cutCrops(photo.jpeg, Math.max(...BATCH_SIZES));
  await ensureBuilt(['classifier']);
  const service = await spawnComponent({
    component: 'classifier',
    runtime: 'dist',
    env: { INTRA_OP_THREADS: String(context.intraOpThreads), MAX_QUEUE: '64' },
  });
  const client = createClassifierClient({ target: `127.0.0.1:${service.port}` });
  const results: BatchingResult[] = [];
  try {
    for (let i = 0; i < 5; i++) await timeCall(client, crops.slice(0, 4));
    for (const n of BATCH_SIZES) {
      const batch = crops.slice(0, n);
      const reps = context.scale(n >= 8 ? 15 : 25, 4);
      const batched: number[] = [];
      const singles: number[] = [];
      for (let r = 0; r < reps; r++) {
        batched.push(await timeCall(client, batch));
        let total = 0;
        for (const crop of batch) total += await timeCall(client, [crop]);
        singles.push(total);
      }
      const b = median(batched);
      const s = median(singles);
      results.push({
        n,
        reps,
        batchedMs: Math.round(b * 100) / 100,
        singlesMs: Math.round(s * 100) / 100,
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
      crops: 'raw RGB, about 200x110 px, cut from the target photo',
      limitRatioAt8: 0.4,
    },
    { batches: results },
  );
  return results;
}

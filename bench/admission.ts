/**
 * admission: memory-safe decoding in a model service. 40 concurrent Detect calls, each a small
 * PNG (one colour, ~160 KB) that decodes to 49 MP, against one compiled detector process with
 * its default MAX_INFLIGHT_PIXELS and MAX_QUEUE: its peak RSS (VmHWM) must stay under the pod
 * memory limit, and it must serve ordinary photos normally afterwards.
 */
import sharp from 'sharp';
import { createDetectorClient, isServiceError, status } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, type Table } from './harness/table.js';
import { spawnComponent } from '../scripts/lib/launcher.js';
import { readMemory } from '../scripts/lib/proc-stats.js';

/** The detector's memory limit in k8s/ (384Mi). */
export const DETECTOR_LIMIT_MIB = 384;
const CALLS = 40;
const SIDE = 7000;

export interface AdmissionResult {
  calls: number;
  imagePixels: number;
  pngBytes: number;
  /** Outcome of the 40 calls by gRPC status name. */
  outcomes: Record<string, number>;
  idleRssMiB: number;
  peakRssMiB: number;
  afterRssMiB: number;
  burstSeconds: number;
  /** Ordinary photos detected after the burst (all must succeed). */
  servedAfter: number;
  failedAfter: number;
  target: { limitMiB: number; met: boolean };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function admissionTables(result: AdmissionResult): Table[] {
  return [
    {
      title: `Decode admission: ${result.calls} concurrent Detect calls of ${(result.imagePixels / 1e6).toFixed(0)} MP PNGs (${Math.round(result.pngBytes / 1024)} KB each), one detector`,
      header: [
        'outcomes',
        'idle RSS MiB',
        'peak RSS MiB',
        'RSS after MiB',
        'burst s',
        'served after',
        `peak ≤ ${result.target.limitMiB} MiB`,
      ],
      rows: [
        [
          Object.entries(result.outcomes)
            .map(([name, n]) => `${name}: ${n}`)
            .join(', '),
          result.idleRssMiB,
          result.peakRssMiB,
          result.afterRssMiB,
          result.burstSeconds,
          `${result.servedAfter}/${result.servedAfter + result.failedAfter}`,
          result.target.met ? 'yes' : 'NO',
        ],
      ],
    },
  ];
}

function statusName(error: unknown): string {
  if (!isServiceError(error)) return `error: ${(error as Error).message}`;
  return status[error.code];
}

export async function runAdmission(context: BenchContext): Promise<AdmissionResult> {
  const large = await sharp({
    create: { width: SIDE, height: SIDE, channels: 3, background: { r: 226, g: 196, b: 40 } },
  })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
  const ordinary = await context.photo(TARGET_PHOTO);
  await ensureBuilt(['detector']);
  const detector = await spawnComponent({
    component: 'detector',
    runtime: 'dist',
    env: { INTRA_OP_THREADS: String(context.intraOpThreads) },
  });
  const client = createDetectorClient({ target: `127.0.0.1:${detector.port}` });
  try {
    await client.detect({ image: ordinary.jpeg }, { deadlineMs: 60_000 });
    const idleRssMiB = readMemory(detector.pid).rssMiB;
    const outcomes: Record<string, number> = {};
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLS }, async () => {
        let name = 'OK';
        try {
          await client.detect({ image: large }, { deadlineMs: 300_000 });
        } catch (error) {
          name = statusName(error);
        }
        outcomes[name] = (outcomes[name] ?? 0) + 1;
      }),
    );
    const burstSeconds = round1((performance.now() - started) / 1000);
    let servedAfter = 0;
    let failedAfter = 0;
    for (let i = 0; i < 5; i++) {
      try {
        await client.detect({ image: ordinary.jpeg }, { deadlineMs: 60_000 });
        servedAfter++;
      } catch {
        failedAfter++;
      }
    }
    const memory = readMemory(detector.pid);
    const result: AdmissionResult = {
      calls: CALLS,
      imagePixels: SIDE * SIDE,
      pngBytes: large.length,
      outcomes,
      idleRssMiB: round1(idleRssMiB),
      peakRssMiB: round1(memory.peakRssMiB),
      afterRssMiB: round1(memory.rssMiB),
      burstSeconds,
      servedAfter,
      failedAfter,
      target: {
        limitMiB: DETECTOR_LIMIT_MIB,
        met: memory.peakRssMiB <= DETECTOR_LIMIT_MIB && failedAfter === 0,
      },
    };
    printTables(admissionTables(result));
    writeResult(
      'admission',
      {
        intraOpThreads: context.intraOpThreads,
        quick: context.quick,
        process: 'one compiled (dist/) detector, default MAX_INFLIGHT_PIXELS and MAX_QUEUE',
        calls: `${CALLS} concurrent Detect calls, ${SIDE}x${SIDE} one-colour PNG each; then 5 Detect calls of the ${ordinary.name} JPEG`,
      },
      result,
    );
    return result;
  } finally {
    client.close();
    await detector.stop('SIGTERM', 15_000);
  }
}

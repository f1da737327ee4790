/**
 * one-process: the deployed split (function, detector, classifier: one compiled process
 * each) against the one-process alternative a pragmatic deployment would run instead
 * (harness/one-process-service.ts: one HTTP process with both models, the same ONNX files and
 * library code), both over loopback HTTP with the target photo and the annotated JPEG
 * returned: p50 at concurrency 1 (requests alternate) and requests per second at 4 and 8,
 * with the CPU each used per request.
 */
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO, type BenchPhoto } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, round2, type Table } from './harness/table.js';
import { e2eUrl } from './e2e.js';
import { launch } from '../scripts/lib/launcher.js';
import { FUNCTION_ENV } from '../scripts/lib/production-env.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { runLoad } from '../scripts/lib/load.js';
import { readCpuMs } from '../scripts/lib/proc-stats.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { REPO_ROOT } from '../scripts/lib/repo-root.js';
import { median } from '../scripts/lib/stats.js';

export const ONE_PROCESS_CONCURRENCY = [4, 8] as const;

interface Side {
  url: string;
  pids: () => number[];
}

/** One side at one concurrency: requests per second, p50, CPU ms per request (its processes). */
async function underLoad(side: Side, photo: BenchPhoto, concurrency: number, durationMs: number) {
  const agent = createAgent(concurrency);
  const send = async () => (await postImage(side.url, photo.jpeg, { agent })).status === 200;
  await runLoad({ concurrency, requests: 2 * concurrency, send });
  const before = side.pids().map(readCpuMs);
  const report = await runLoad({ concurrency, durationMs, send });
  const cpu = side.pids().reduce((sum, pid, i) => sum + readCpuMs(pid) - (before[i] ?? 0), 0);
  agent.destroy();
  return {
    throughput: round2(report.throughput),
    p50: round2(report.latencyMs.p50),
    errors: report.errors,
    cpuMsPerRequest: Math.round((cpu / Math.max(1, report.requests)) * 10) / 10,
  };
}

/** p50 of each side at concurrency 1, requests alternating between them. */
async function alternating(sides: [Side, Side], photo: BenchPhoto, samples: number) {
  const agent = createAgent(1);
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < samples + 2; i++) {
    for (const [s, side] of sides.entries()) {
      const result = await postImage(side.url, photo.jpeg, { agent });
      if (result.status !== 200) throw new Error(`HTTP ${result.status} from ${side.url}`);
      if (i >= 2) times[s]?.push(result.ms);
    }
  }
  agent.destroy();
  return times.map((t) => round2(median(t))) as [number, number];
}

export async function runOneProcess(context: BenchContext): Promise<OneProcessResult> {
  const photo = await context.photo(TARGET_PHOTO);
  await ensureBuilt();
  const threads = String(context.intraOpThreads);
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: threads, MAX_QUEUE: '256' },
  });
  const single = await launch({
    name: 'one-process',
    args: ['--import', 'tsx', `${REPO_ROOT}bench/harness/one-process-service.ts`],
    env: { ...FUNCTION_ENV, INTRA_OP_THREADS: threads },
    ready: (line) => (JSON.parse(line.startsWith('{') ? line : '{}') as { port?: number }).port,
    exitWithParent: true,
  });
  const split: Side = { url: e2eUrl(stack, photo), pids: () => stack.all().map((c) => c.pid) };
  const one: Side = {
    url: `http://127.0.0.1:${single.ready}/?min_confidence=0&max_detections=${photo.bananas}`,
    pids: () => [single.pid],
  };
  try {
    const [splitP50, oneP50] = await alternating([split, one], photo, context.scale(40, 8));
    const loads = [];
    for (const concurrency of ONE_PROCESS_CONCURRENCY) {
      const durationMs = context.scale(10_000, 2_500);
      const splitLoad = await underLoad(split, photo, concurrency, durationMs);
      const oneLoad = await underLoad(one, photo, concurrency, durationMs);
      loads.push({ concurrency, split: splitLoad, oneProcess: oneLoad });
    }
    const result: OneProcessResult = {
      photo: photo.name,
      concurrency1: { splitP50, oneP50 },
      loads,
    };
    printTables(oneProcessTables(result));
    writeResult(
      'one-process',
      {
        intraOpThreads: context.intraOpThreads,
        transport: context.transport,
        split: 'function, detector, classifier: one compiled (dist/) process each',
        oneProcess: 'bench/harness/one-process-service.ts (tsx): node:http + the in-process floor',
      },
      result,
    );
    return result;
  } finally {
    await Promise.all([stack.stop(), single.stop('SIGTERM', 10_000)]);
  }
}

const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');

interface LoadResult {
  throughput: number;
  cpuMsPerRequest: number;
}

export interface OneProcessResult {
  photo: string;
  concurrency1: { splitP50: number; oneP50: number };
  loads: { concurrency: number; split: LoadResult; oneProcess: LoadResult }[];
}

export function oneProcessTables(result: OneProcessResult): Table[] {
  const { splitP50, oneP50 } = result.concurrency1;
  return [
    {
      title: `one-process: the split against one process with both models (${result.photo}, annotated JPEG returned)`,
      header: ['measure', 'split', 'one process', 'split / one process'],
      rows: [
        ['p50 at concurrency 1 (ms)', splitP50, oneP50, ratio(splitP50, oneP50)],
        ...result.loads.flatMap(({ concurrency, split: s, oneProcess: o }) => [
          [
            `req/s at ${concurrency}`,
            s.throughput,
            o.throughput,
            ratio(s.throughput, o.throughput),
          ],
          [
            `CPU ms per request at ${concurrency}`,
            s.cpuMsPerRequest,
            o.cpuMsPerRequest,
            ratio(s.cpuMsPerRequest, o.cpuMsPerRequest),
          ],
        ]),
      ],
    },
  ];
}

/**
 * end-to-end: the function over HTTP, the services over gRPC, each in its own process, against
 * the in-process floor measured in the same run. At concurrency 1 the floor and the stack
 * alternate request by request, so background load on a shared machine hits both alike.
 */
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { startFloorPipeline, type FloorPipeline } from './harness/floor-pipeline.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { runLoad, type LoadReport } from '../scripts/lib/load.js';
import { photoName, TARGET_PHOTO, type BenchPhoto } from './harness/photos.js';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.js';
import { ownCpuMs, readCpuMs } from '../scripts/lib/proc-stats.js';
import { writeResult } from './harness/results.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';
import { printTables, type Table } from './harness/table.js';
import { floorRequest } from './floor.js';

export const CONCURRENCY_LEVELS = [1, 2, 4, 8] as const;

export interface PairedResult {
  photo: string;
  samples: number;
  floorMs: LatencySummary;
  e2eMs: LatencySummary;
  /** e2e p50 / floor p50 */
  ratioP50: number;
  /** Median of the per-pair ratios (robust to drift in background load). */
  ratioPairedMedian: number;
  /**
   * CPU time per request (every thread of every process involved), which background load on
   * a shared machine barely changes: the floor process vs the function, the services and the
   * HTTP client together.
   */
  cpuMsPerRequest: {
    floor: number;
    e2e: number;
    function: number;
    detector: number;
    classifier: number;
    client: number;
    ratio: number;
  };
}

export interface ConcurrencyResult {
  concurrency: number;
  floor: LoadReport;
  e2e: LoadReport;
  ratioP50: number;
  throughputRatio: number;
}

export const e2eUrl = (stack: ProcessStack, photo: BenchPhoto): string =>
  `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`;

async function paired(
  floor: FloorPipeline,
  stack: ProcessStack,
  photo: BenchPhoto,
  samples: number,
): Promise<PairedResult> {
  const agent = createAgent(1);
  const e2e = async (): Promise<number> => {
    const result = await postImage(e2eUrl(stack, photo), photo.jpeg, { agent });
    if (result.status !== 200)
      throw new Error(`HTTP ${result.status}: ${result.body.toString().slice(0, 300)}`);
    return result.ms;
  };
  for (let i = 0; i < 2; i++) {
    await floor.run(floorRequest(photo));
    await e2e();
  }
  const floorMs: number[] = [];
  const e2eMs: number[] = [];
  const children = stack.all();
  const cpu = { floor: 0, client: 0, function: 0, detector: 0, classifier: 0 };
  const timedFloor = async () => {
    const before = ownCpuMs();
    floorMs.push((await floor.run(floorRequest(photo, false))).totalMs);
    cpu.floor += ownCpuMs() - before;
  };
  const timedE2e = async () => {
    const own = ownCpuMs();
    const before = children.map((c) => readCpuMs(c.pid));
    e2eMs.push(await e2e());
    cpu.client += ownCpuMs() - own;
    children.forEach((c, i) => (cpu[c.component] += readCpuMs(c.pid) - (before[i] ?? 0)));
  };
  for (let i = 0; i < samples; i++) {
    // Alternate which goes first, so neither always runs right after the other.
    if (i % 2 === 0) {
      await timedFloor();
      await timedE2e();
    } else {
      await timedE2e();
      await timedFloor();
    }
  }
  agent.destroy();
  const perRequest = (ms: number) => Math.round((ms / samples) * 10) / 10;
  const e2eCpu = cpu.client + cpu.function + cpu.detector + cpu.classifier;
  const f = summarize(floorMs);
  const e = summarize(e2eMs);
  const pairRatios = e2eMs.map((ms, i) => ms / (floorMs[i] ?? NaN));
  return {
    photo: photo.name,
    samples,
    floorMs: rounded(f),
    e2eMs: rounded(e),
    ratioP50: Math.round((e.p50 / f.p50) * 1000) / 1000,
    ratioPairedMedian: Math.round(summarize(pairRatios).p50 * 1000) / 1000,
    cpuMsPerRequest: {
      floor: perRequest(cpu.floor),
      e2e: perRequest(e2eCpu),
      function: perRequest(cpu.function),
      detector: perRequest(cpu.detector),
      classifier: perRequest(cpu.classifier),
      client: perRequest(cpu.client),
      ratio: Math.round((e2eCpu / cpu.floor) * 1000) / 1000,
    },
  };
}

export async function atConcurrency(
  floor: FloorPipeline,
  stack: ProcessStack,
  photo: BenchPhoto,
  concurrency: number,
  durationMs: number,
): Promise<ConcurrencyResult> {
  const agent = createAgent(concurrency);
  const sendE2e = async () =>
    (await postImage(e2eUrl(stack, photo), photo.jpeg, { agent })).status === 200;
  const sendFloor = async () =>
    (await floor.run(floorRequest(photo, false))).bananas === photo.bananas;
  const warmUp = Math.max(2, concurrency);
  await runLoad({ concurrency, requests: warmUp, send: sendFloor });
  const floorReport = await runLoad({ concurrency, durationMs, send: sendFloor });
  await runLoad({ concurrency, requests: warmUp, send: sendE2e });
  const e2eReport = await runLoad({ concurrency, durationMs, send: sendE2e });
  agent.destroy();
  return {
    concurrency,
    floor: {
      ...floorReport,
      latencyMs: rounded(floorReport.latencyMs),
      throughput: Math.round(floorReport.throughput * 100) / 100,
    },
    e2e: {
      ...e2eReport,
      latencyMs: rounded(e2eReport.latencyMs),
      throughput: Math.round(e2eReport.throughput * 100) / 100,
    },
    ratioP50: Math.round((e2eReport.latencyMs.p50 / floorReport.latencyMs.p50) * 1000) / 1000,
    throughputRatio: Math.round((e2eReport.throughput / floorReport.throughput) * 1000) / 1000,
  };
}

export async function runE2e(context: BenchContext) {
  const photos = await context.photos();
  const target = await context.photo(TARGET_PHOTO);
  const threads = String(context.intraOpThreads);
  const floor = await startFloorPipeline({ intraOpThreads: context.intraOpThreads });
  await ensureBuilt();
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: threads, MAX_QUEUE: '64' },
  });
  const perPhoto: PairedResult[] = [];
  const sweep: ConcurrencyResult[] = [];
  try {
    for (const photo of photos) {
      const isTarget = photoName(photo) === photoName(target);
      const samples = isTarget
        ? context.scale(30, 6)
        : photo.width >= 3000
          ? context.scale(6, 2)
          : context.scale(12, 3);
      perPhoto.push(await paired(floor, stack, photo, samples));
    }
    for (const concurrency of CONCURRENCY_LEVELS) {
      sweep.push(
        await atConcurrency(floor, stack, target, concurrency, context.scale(12_000, 2_500)),
      );
    }
  } finally {
    await Promise.all([floor.close(), stack.stop()]);
  }

  const targetResult = perPhoto.find((r) => r.photo === target.name);
  const result = {
    perPhoto,
    concurrency: sweep,
    target: {
      photo: target.name,
      ratioP50: targetResult?.ratioP50,
      ratioPairedMedian: targetResult?.ratioPairedMedian,
      limit: 1.15,
    },
  };
  printTables(e2eTables(result));
  writeResult(
    'e2e',
    {
      intraOpThreads: context.intraOpThreads,
      transport: context.transport,
      quick: context.quick,
      processes:
        'function, detector, classifier: one compiled (dist/) process each, loopback HTTP and gRPC',

      request:
        'raw JPEG body, ?min_confidence=0&max_detections=<bananas>, annotated JPEG (quality 85) in the answer',
    },
    result,
  );
  return result;
}

export function e2eTables(results: {
  perPhoto: PairedResult[];
  concurrency: ConcurrencyResult[];
  target: { photo: string };
}): Table[] {
  return [
    pairedLatencyTable(results.perPhoto),
    cpuTable(results.perPhoto),
    concurrencyTable(results.target.photo, results.concurrency),
  ];
}

function pairedLatencyTable(perPhoto: PairedResult[]): Table {
  return {
    title: 'end-to-end vs floor at concurrency 1 (ms; requests alternate between the two)',
    header: [
      'photo',
      'n',
      'floor p50',
      'e2e p50',
      'e2e p95',
      'e2e p99',
      'ratio p50',
      'paired ratio',
    ],
    rows: perPhoto.map((r) => [
      r.photo,
      r.samples,
      r.floorMs.p50,
      r.e2eMs.p50,
      r.e2eMs.p95,
      r.e2eMs.p99,
      r.ratioP50,
      r.ratioPairedMedian,
    ]),
  };
}

function cpuTable(perPhoto: PairedResult[]): Table {
  return {
    title: 'CPU time per request, every thread of every process (ms; 10 ms clock, averaged)',
    header: [
      'photo',
      'floor',
      'e2e total',
      'function',
      'detector',
      'classifier',
      'HTTP client',
      'ratio',
    ],
    rows: perPhoto.map(({ photo, cpuMsPerRequest: c }) => [
      photo,
      c.floor,
      c.e2e,
      c.function,
      c.detector,
      c.classifier,
      c.client,
      c.ratio,
    ]),
  };
}

function concurrencyTable(photo: string, concurrency: ConcurrencyResult[]): Table {
  return {
    title: `concurrency sweep, ${photo} (ms, requests/s)`,
    header: [
      'conc',
      'floor p50',
      'floor p99',
      'floor rps',
      'e2e p50',
      'e2e p95',
      'e2e p99',
      'e2e rps',
      'errors',
      'ratio p50',
      'rps ratio',
    ],
    rows: concurrency.map((r) => [
      r.concurrency,
      r.floor.latencyMs.p50,
      r.floor.latencyMs.p99,
      r.floor.throughput,
      r.e2e.latencyMs.p50,
      r.e2e.latencyMs.p95,
      r.e2e.latencyMs.p99,
      r.e2e.throughput,
      r.e2e.errors,
      r.ratioP50,
      r.throughputRatio,
    ]),
  };
}

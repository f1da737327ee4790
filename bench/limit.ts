/**
 * limit: the deployed stack (function, detector, classifier: one process each) against the
 * compute limit of the same request, both measured in this run. The limit is the sum of the
 * operations no deployment can avoid (bench/harness/floor-pipeline.ts: one full-size decode,
 * detector inference at batch 1, classifier inference of all crops in one batch, one JPEG
 * encode of the annotated photo), timed inside the in-process floor, which also gives
 * e2e / floor. Requests to the stack and to the floor alternate, so background load hits both.
 * Also: the cost of each extra banana (one photo, 1 to 150 boxes), throughput at concurrency
 * 4 and 8 against the floor, the classifier's 8 crops in one call against 8 calls, and each
 * process's peak RSS over the whole run.
 */
import { createClassifierClient } from '../lib/client/index.js';
import { measureBatchRatio } from './batching.js';
import { atConcurrency, type ConcurrencyResult } from './e2e.js';
import { ensureBuilt } from './harness/build.js';
import { classifierCrops } from './harness/crops.js';
import type { BenchContext } from './harness/context.js';
import {
  limitMs,
  startFloorPipeline,
  type FloorPipeline,
  type FloorRequest,
} from './harness/floor-pipeline.js';
import { TARGET_PHOTO, type BenchPhoto, type PhotoSpec } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, round2, type Cell, type Table, yesNo } from './harness/table.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.js';
import { median } from '../scripts/lib/stats.js';

export const LARGE_PHOTO: PhotoSpec = { width: 4000, height: 3000, bananas: 8 };
/** Boxes classified on one photo for the cost per banana (min_confidence=0, NMS off). */
export const BANANA_COUNTS = [1, 10, 50, 150] as const;
export const THROUGHPUT_CONCURRENCY = [4, 8] as const;

/** The targets of the limit benchmark (docs/performance.md). */
export const LIMIT_TARGETS = {
  ratioAnnotated: 1.5,
  ratioNoImage: 1.3,
  ratioLarge: 1.5,
  msPerBanana: 1.5,
  throughputRatio: 1.0,
  batchRatioAt8: 0.4,
  functionPeakRssMiB: 200,
  servicePeakRssMiB: 250,
} as const;

export interface LimitCase {
  name: string;
  samples: number;
  e2eP50: number;
  floorP50: number;
  limitP50: number;
  /** Medians of each limit operation (ms). */
  limitParts: {
    decode: number;
    detectInference: number;
    classifyInference: number;
    encode: number;
  };
  /** e2e p50 / limit p50 */
  ratioLimit: number;
  /** e2e p50 / floor p50 */
  ratioFloor: number;
  /** The function's own stage timings (timings_ms), medians. */
  functionStagesMs: Record<string, number>;
}

export interface PerBananaPoint {
  boxes: number;
  e2eP50: number;
  limitP50: number;
}

export interface LimitResult {
  cases: LimitCase[];
  perBanana: { points: PerBananaPoint[]; e2eMsPerBanana: number; limitMsPerBanana: number };
  throughput: ConcurrencyResult[];
  batching: { n: number; batchedMs: number; singlesMs: number; ratio: number };
  peakRssMiB: Record<string, number>;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

interface Variant {
  name: string;
  photo: BenchPhoto;
  boxes: number;
  /** Returns the annotated photo (format=jpeg), or only the JSON (format=none). */
  annotated: boolean;
  /** NMS off, so that exactly `boxes` candidates come back. */
  nmsOff?: boolean;
}

function stackUrl(stack: ProcessStack, v: Variant): string {
  const query = [
    'min_confidence=0',
    `max_detections=${v.boxes}`,
    ...(v.nmsOff ? ['iou=1'] : []),
    ...(v.annotated ? [] : ['format=none']),
  ];
  return `${stack.url}/?${query.join('&')}`;
}

function floorRequestOf(v: Variant): FloorRequest {
  return {
    jpeg: v.photo.jpeg,
    minConfidence: 0,
    maxDetections: v.boxes,
    quality: 85,
    ...(v.nmsOff ? { iou: 1 } : {}),
  };
}

async function measureCase(
  floor: FloorPipeline,
  stack: ProcessStack,
  v: Variant,
  samples: number,
): Promise<LimitCase> {
  const agent = createAgent(1);
  const url = stackUrl(stack, v);
  const stages: Array<Record<string, number>> = [];
  const e2e = async (): Promise<number> => {
    const result = await postImage(url, v.photo.jpeg, { agent });
    if (result.status !== 200)
      throw new Error(`HTTP ${result.status}: ${result.body.toString().slice(0, 300)}`);
    const body = JSON.parse(result.body.toString()) as {
      detections: unknown[];
      timings_ms: Record<string, number>;
    };
    if (body.detections.length !== v.boxes)
      throw new Error(`${v.name}: ${body.detections.length} detections, not ${v.boxes}`);
    stages.push(body.timings_ms);
    return result.ms;
  };
  const floorRuns: Array<Awaited<ReturnType<FloorPipeline['run']>>> = [];
  const runFloor = async () => {
    const result = await floor.run(floorRequestOf(v));
    if (result.bananas !== v.boxes)
      throw new Error(`${v.name}: the floor found ${result.bananas} boxes, not ${v.boxes}`);
    return result;
  };
  for (let i = 0; i < 2; i++) {
    await runFloor();
    await e2e();
  }
  stages.length = 0;
  const e2eMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i % 2 === 0) {
      floorRuns.push(await runFloor());
      e2eMs.push(await e2e());
    } else {
      e2eMs.push(await e2e());
      floorRuns.push(await runFloor());
    }
  }
  agent.destroy();
  const e2eP50 = median(e2eMs);
  const floorP50 = median(floorRuns.map((r) => r.totalMs));
  const limitP50 = median(floorRuns.map((r) => limitMs(r.limitMs, v.annotated)));
  const part = (key: keyof (typeof floorRuns)[number]['limitMs']) =>
    round2(median(floorRuns.map((r) => r.limitMs[key])));
  const stageNames = [...new Set(stages.flatMap((s) => Object.keys(s)))];
  return {
    name: v.name,
    samples,
    e2eP50: round2(e2eP50),
    floorP50: round2(floorP50),
    limitP50: round2(limitP50),
    limitParts: {
      decode: part('decode'),
      detectInference: part('detectInference'),
      classifyInference: part('classifyInference'),
      encode: v.annotated ? part('encode') : 0,
    },
    ratioLimit: Math.round((e2eP50 / limitP50) * 1000) / 1000,
    ratioFloor: Math.round((e2eP50 / floorP50) * 1000) / 1000,
    functionStagesMs: Object.fromEntries(
      stageNames.map((name) => [name, round2(median(stages.map((s) => s[name] ?? 0)))]),
    ),
  };
}

/** Peak resident memory of a process (VmHWM), MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

export async function runLimit(context: BenchContext): Promise<LimitResult> {
  const target = await context.photo(TARGET_PHOTO);
  const large = await context.photo(LARGE_PHOTO);
  const floor = await startFloorPipeline({ intraOpThreads: context.intraOpThreads });
  await ensureBuilt();
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads), MAX_QUEUE: '256' },
  });
  let result: LimitResult;
  try {
    const cases = await measureTargetCases(floor, stack, context, target, large);
    const perBanana = await measurePerBanana(floor, stack, context, target);
    const throughput: ConcurrencyResult[] = [];
    for (const concurrency of THROUGHPUT_CONCURRENCY) {
      throughput.push(
        await atConcurrency(floor, stack, target, concurrency, context.scale(10_000, 2_500)),
      );
    }
    const batching = await measureClassifierBatching(stack, context, target);
    result = { cases, perBanana, throughput, batching, peakRssMiB: await stackPeakRss(stack) };
  } finally {
    await Promise.all([floor.close(), stack.stop()]);
  }
  printTables(limitTables(result));
  writeResult(
    'limit',
    {
      intraOpThreads: context.intraOpThreads,
      transport: context.transport,
      quick: context.quick,
      processes:
        'function, detector, classifier: one compiled (dist/) process each, loopback HTTP and gRPC',
      limit:
        'one full-size decode + detector inference (batch 1) + classifier inference (all crops, one batch) + one JPEG encode (annotated answers only), timed inside the in-process floor in the same run',
      targets: LIMIT_TARGETS,
    },
    result,
  );
  return result;
}

/** The three cases with a ratio target: the target photo annotated and format=none, the large photo. */
async function measureTargetCases(
  floor: FloorPipeline,
  stack: ProcessStack,
  context: BenchContext,
  target: BenchPhoto,
  large: BenchPhoto,
): Promise<LimitCase[]> {
  const n = context.scale(30, 6);
  return [
    await measureCase(
      floor,
      stack,
      { name: `${target.name} annotated`, photo: target, boxes: target.bananas, annotated: true },
      n,
    ),
    await measureCase(
      floor,
      stack,
      {
        name: `${target.name} format=none`,
        photo: target,
        boxes: target.bananas,
        annotated: false,
      },
      n,
    ),
    await measureCase(
      floor,
      stack,
      { name: `${large.name} annotated`, photo: large, boxes: large.bananas, annotated: true },
      context.scale(10, 3),
    ),
  ];
}

/** The target photo with 1 to 150 boxes (NMS off), and the slope of e2e and limit per box. */
async function measurePerBanana(
  floor: FloorPipeline,
  stack: ProcessStack,
  context: BenchContext,
  target: BenchPhoto,
): Promise<LimitResult['perBanana']> {
  const points: PerBananaPoint[] = [];
  for (const boxes of BANANA_COUNTS) {
    const c = await measureCase(
      floor,
      stack,
      {
        name: `${target.name} ${boxes} boxes`,
        photo: target,
        boxes,
        annotated: true,
        nmsOff: true,
      },
      context.scale(10, 3),
    );
    points.push({ boxes, e2eP50: c.e2eP50, limitP50: c.limitP50 });
  }
  return {
    points,
    e2eMsPerBanana: round2(slope(points.map((p) => [p.boxes, p.e2eP50] as const))),
    limitMsPerBanana: round2(slope(points.map((p) => [p.boxes, p.limitP50] as const))),
  };
}

/** The classifier of the stack, with crops as the function makes them (at its input size). */
async function measureClassifierBatching(
  stack: ProcessStack,
  context: BenchContext,
  target: BenchPhoto,
): Promise<LimitResult['batching']> {
  const classifier = createClassifierClient({ target: `127.0.0.1:${stack.classifier.port}` });
  try {
    const crops = await classifierCrops(classifier, target.jpeg, 8);
    return { n: 8, ...(await measureBatchRatio(classifier, crops, context.scale(15, 4))) };
  } finally {
    classifier.close();
  }
}

/** Peak RSS of each process of the stack over the whole run, MiB, by component. */
async function stackPeakRss(stack: ProcessStack): Promise<Record<string, number>> {
  const peakRss: Record<string, number> = {};
  for (const c of stack.all()) peakRss[c.component] = await peakRssMiB(c.pid);
  return peakRss;
}

export function limitTables(results: LimitResult): Table[] {
  return [
    targetsTable(results),
    {
      title: 'limit: e2e against the compute limit and the floor, concurrency 1 (ms, medians)',
      header: [
        'request',
        'n',
        'e2e p50',
        'limit',
        'e2e/limit',
        'floor p50',
        'e2e/floor',
        'decode',
        'detect inf',
        'classify inf',
        'encode',
      ],
      rows: results.cases.map((c) => [
        c.name,
        c.samples,
        c.e2eP50,
        c.limitP50,
        c.ratioLimit,
        c.floorP50,
        c.ratioFloor,
        c.limitParts.decode,
        c.limitParts.detectInference,
        c.limitParts.classifyInference,
        c.limitParts.encode,
      ]),
    },
    {
      title: "limit: the function's stage timings (timings_ms, medians)",
      header: ['request', 'parse', 'detect', 'classify', 'draw', 'encode', 'total'],
      rows: results.cases.map((c) => {
        const s = c.functionStagesMs;
        return [c.name, s.parse, s.detect, s.classify, s.draw, s.encode, s.total];
      }),
    },
    {
      title: `limit: cost per banana, one photo, 1 to ${results.perBanana.points.at(-1)?.boxes ?? ''} boxes (ms)`,
      header: ['boxes', 'e2e p50', 'limit'],
      rows: [
        ...results.perBanana.points.map((p): Cell[] => [p.boxes, p.e2eP50, p.limitP50]),
        [
          'ms per box (slope)',
          results.perBanana.e2eMsPerBanana,
          results.perBanana.limitMsPerBanana,
        ],
      ],
    },
  ];
}

/** Each target of LIMIT_TARGETS: what this run measured, the goal, and whether it was met. */
function targetsTable(results: LimitResult): Table {
  const t = LIMIT_TARGETS;
  const [annotated, none, large] = results.cases;
  const within = (value: number | undefined, goal: number) =>
    value === undefined ? undefined : yesNo(value <= goal);
  const ratioRow = (c: LimitCase | undefined, goal: number): Cell[] => [
    `e2e p50 / limit, ${c?.name ?? ''}`,
    c?.ratioLimit,
    `<= ${goal}`,
    within(c?.ratioLimit, goal),
  ];
  const rssRow = (label: string, value: number | undefined, goal: number): Cell[] => [
    `${label} peak RSS (MiB)`,
    value,
    `<= ${goal}`,
    within(value, goal),
  ];
  const rss = results.peakRssMiB;
  return {
    title: 'limit: targets, measured in this run',
    header: ['target', 'measured', 'goal', 'met'],
    rows: [
      ratioRow(annotated, t.ratioAnnotated),
      ratioRow(none, t.ratioNoImage),
      ratioRow(large, t.ratioLarge),
      [
        'ms per extra banana (e2e, 1-150 boxes)',
        results.perBanana.e2eMsPerBanana,
        `<= ${t.msPerBanana}`,
        within(results.perBanana.e2eMsPerBanana, t.msPerBanana),
      ],
      ...results.throughput.map((r): Cell[] => [
        `throughput / floor's, concurrency ${r.concurrency}`,
        r.throughputRatio,
        `>= ${t.throughputRatio}`,
        yesNo(r.throughputRatio >= t.throughputRatio),
      ]),
      [
        `classifier ${results.batching.n} crops in 1 call / ${results.batching.n} calls`,
        results.batching.ratio,
        `<= ${t.batchRatioAt8}`,
        within(results.batching.ratio, t.batchRatioAt8),
      ],
      rssRow('function', rss.function, t.functionPeakRssMiB),
      rssRow('detector', rss.detector, t.servicePeakRssMiB),
      rssRow('classifier', rss.classifier, t.servicePeakRssMiB),
    ],
  };
}

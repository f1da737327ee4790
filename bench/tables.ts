/**
 * How each benchmark's results are tabulated: one definition, printed as text by the run
 * (bench/main.ts) and as markdown by bench/report.ts from the saved JSON.
 */
import type { BatchingResult } from './batching.js';
import type { ColdStartResult } from './cold-start.js';
import type { ConcurrencyResult, PairedResult } from './e2e.js';
import type { EventLoopResult } from './event-loop.js';
import type { FloorPhotoResult } from './floor.js';
import type { Cell, Table } from './harness/table.js';
import { LIMIT_TARGETS, type LimitResult } from './limit.js';
import type { MemoryScenario } from './memory.js';

const round2 = (x: number) => Math.round(x * 100) / 100;
const yesNo = (met: boolean) => (met ? 'yes' : 'NO');

export function floorTables(results: { photos: FloorPhotoResult[] }): Table[] {
  return [
    {
      title: 'floor: whole pipeline in one process, no network (ms)',
      header: ['photo', 'KiB', 'p50', 'p95', 'decode', 'detect', 'classify', 'draw', 'encode'],
      rows: results.photos.map((r) => [
        r.photo,
        Math.round(r.bytes / 1024),
        r.latencyMs.p50,
        r.latencyMs.p95,
        r.stageMedianMs.decode,
        r.stageMedianMs.detect,
        r.stageMedianMs.classify,
        r.stageMedianMs.draw,
        r.stageMedianMs.encode,
      ]),
    },
  ];
}

export function e2eTables(results: {
  perPhoto: PairedResult[];
  concurrency: ConcurrencyResult[];
  target: { photo: string };
}): Table[] {
  return [
    {
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
      rows: results.perPhoto.map((r) => [
        r.photo,
        r.samples,
        r.floorMs.p50,
        r.e2eMs.p50,
        r.e2eMs.p95,
        r.e2eMs.p99,
        r.ratioP50,
        r.ratioPairedMedian,
      ]),
    },
    {
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
      rows: results.perPhoto.map(({ photo, cpuMsPerRequest: c }) => [
        photo,
        c.floor,
        c.e2e,
        c.function,
        c.detector,
        c.classifier,
        c.client,
        c.ratio,
      ]),
    },
    {
      title: `concurrency sweep, ${results.target.photo} (ms, requests/s)`,
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
      rows: results.concurrency.map((r) => [
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
    },
  ];
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

export function coldStartTables(
  results: { components: ColdStartResult[] },
  targetMs: number,
): Table[] {
  return [
    {
      title: `cold start (compiled dist/, one process at a time; ms)`,
      header: [
        'component',
        'runs',
        'start->serving p50',
        'max',
        'CPU ms to serving',
        'target',
        'first request',
        'steady p50',
        'first/steady',
      ],
      rows: results.components.map((r) => [
        r.component,
        r.runs.length,
        r.startToServingMedianMs,
        r.startToServingMaxMs,
        r.cpuMsToServingMedian,
        r.component === 'function' ? '-' : `<= ${String(targetMs)}`,
        r.firstRequestMedianMs,
        r.steadyMedianMs,
        round2(r.firstRequestMedianMs / r.steadyMedianMs),
      ]),
    },
  ];
}

export function memoryTables(
  results: { scenarios: MemoryScenario[] },
  concurrency: number,
): Table[] {
  return [
    {
      title: `memory under steady load (compiled, ${String(concurrency)} concurrent; MiB)`,
      header: [
        'load',
        'process',
        'idle RSS',
        'RSS p50 under load',
        'peak RSS (VmHWM)',
        'limit',
        'met',
        'req/s',
        'requests (errors)',
      ],
      rows: results.scenarios.flatMap((s) =>
        s.processes.map((p) => [
          s.name,
          p.component,
          p.idleRssMiB,
          p.loadRssMedianMiB,
          p.peakRssMiB,
          p.limitMiB,
          yesNo(p.met),
          round2(s.load.throughput),
          `${String(s.load.requests)} (${String(s.load.errors)})`,
        ]),
      ),
    },
  ];
}

export function eventLoopTables(
  results: { processes: EventLoopResult[] },
  settings: { concurrency: number; limitP99Ms: number },
): Table[] {
  return [
    {
      title: `event loop: probe latency while each process is saturated (${String(settings.concurrency)} concurrent calls; ms)`,
      header: [
        'process',
        'probe',
        'idle p50',
        'sat. p50',
        'sat. p95',
        'sat. p99',
        'sat. max',
        'failed',
        'load rps',
        `p99 <= ${String(settings.limitP99Ms)}`,
      ],
      rows: results.processes.flatMap((r) =>
        r.probes.map((p, i) => [
          r.process,
          p.probe,
          p.idleMs.p50,
          p.saturatedMs.p50,
          p.saturatedMs.p95,
          p.saturatedMs.p99,
          p.saturatedMs.max,
          p.failures,
          Math.round(r.load.throughput * 10) / 10,
          i === 0 && r.met !== undefined ? yesNo(r.met) : '-',
        ]),
      ),
    },
  ];
}

export function limitTables(results: LimitResult): Table[] {
  const t = LIMIT_TARGETS;
  const [annotated, none, large] = results.cases;
  const within = (value: number | undefined, goal: number) =>
    value === undefined ? undefined : yesNo(value <= goal);
  const rss = results.peakRssMiB;
  return [
    {
      title: 'limit: targets, measured in this run',
      header: ['target', 'measured', 'goal', 'met'],
      rows: [
        [
          `e2e p50 / limit, ${annotated?.name ?? ''}`,
          annotated?.ratioLimit,
          `<= ${t.ratioAnnotated}`,
          within(annotated?.ratioLimit, t.ratioAnnotated),
        ],
        [
          `e2e p50 / limit, ${none?.name ?? ''}`,
          none?.ratioLimit,
          `<= ${t.ratioNoImage}`,
          within(none?.ratioLimit, t.ratioNoImage),
        ],
        [
          `e2e p50 / limit, ${large?.name ?? ''}`,
          large?.ratioLimit,
          `<= ${t.ratioLarge}`,
          within(large?.ratioLimit, t.ratioLarge),
        ],
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
        [
          'function peak RSS (MiB)',
          rss.function,
          `<= ${t.functionPeakRssMiB}`,
          within(rss.function, t.functionPeakRssMiB),
        ],
        [
          'detector peak RSS (MiB)',
          rss.detector,
          `<= ${t.servicePeakRssMiB}`,
          within(rss.detector, t.servicePeakRssMiB),
        ],
        [
          'classifier peak RSS (MiB)',
          rss.classifier,
          `<= ${t.servicePeakRssMiB}`,
          within(rss.classifier, t.servicePeakRssMiB),
        ],
      ],
    },
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

/**
 * npm run bench:report [-- --write]: renders bench/results/*.json as markdown tables; with
 * --write, replaces the generated section of docs/performance.md (between its markers).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { REPO_ROOT } from '../scripts/local-stack/repo-root.js';
import { RESULTS_DIR } from './harness/results.js';
import type { LatencySummary } from './harness/stats.js';

const DOC = `${REPO_ROOT}docs/performance.md`;
const START = '<!-- bench:results:start (npm run bench:report -- --write) -->';
const END = '<!-- bench:results:end -->';

type Cell = string | number | undefined;
interface ResultFile<T> {
  date: string;
  machine: { loadAverage1m: number; gitCommit: string };
  settings: Record<string, unknown>;
  results: T;
}

function read<T>(name: string): ResultFile<T> | undefined {
  const path = `${RESULTS_DIR}${name}.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ResultFile<T>) : undefined;
}

const fmt = (value: Cell): string =>
  value === undefined
    ? '-'
    : typeof value === 'number'
      ? String(Math.round(value * 100) / 100)
      : value;

function table(header: string[], rows: Cell[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(fmt).join(' | ')} |`),
  ].join('\n');
}

const stamp = (file: ResultFile<unknown>) =>
  `_${file.date.slice(0, 16).replace('T', ' ')} UTC, commit ${file.machine.gitCommit}, load average ${file.machine.loadAverage1m} when written._`;

const sections: string[] = [];

const floor = read<{
  photos: Array<{
    photo: string;
    bytes: number;
    latencyMs: LatencySummary;
    stageMedianMs: Record<string, number>;
  }>;
}>('floor');
if (floor) {
  sections.push(
    '### floor (in-process limit)',
    stamp(floor),
    table(
      [
        'photo (px / bananas)',
        'JPEG KiB',
        'p50 ms',
        'p95 ms',
        'decode',
        'detect',
        'classify',
        'draw',
        'encode',
      ],
      floor.results.photos.map((p) => [
        p.photo,
        Math.round(p.bytes / 1024),
        p.latencyMs.p50,
        p.latencyMs.p95,
        p.stageMedianMs.decode,
        p.stageMedianMs.detect,
        p.stageMedianMs.classify,
        p.stageMedianMs.draw,
        p.stageMedianMs.encode,
      ]),
    ),
  );
}

interface Paired {
  photo: string;
  samples: number;
  floorMs: LatencySummary;
  e2eMs: LatencySummary;
  ratioP50: number;
  ratioPairedMedian: number;
  cpuMsPerRequest: Record<string, number>;
}
interface Sweep {
  concurrency: number;
  floor: { throughput: number; latencyMs: LatencySummary };
  e2e: { throughput: number; errors: number; latencyMs: LatencySummary };
  ratioP50: number;
  throughputRatio: number;
}
const e2e = read<{ perPhoto: Paired[]; concurrency: Sweep[] }>('e2e');
if (e2e) {
  sections.push(
    '### end-to-end vs floor, concurrency 1 (requests alternate between the two)',
    stamp(e2e),
    table(
      [
        'photo',
        'n',
        'floor p50 ms',
        'e2e p50 ms',
        'e2e p95',
        'e2e p99',
        'ratio of p50s',
        'median paired ratio',
      ],
      e2e.results.perPhoto.map((r) => [
        r.photo,
        r.samples,
        r.floorMs.p50,
        r.e2eMs.p50,
        r.e2eMs.p95,
        r.e2eMs.p99,
        r.ratioP50,
        r.ratioPairedMedian,
      ]),
    ),
    '#### CPU time per request (ms, every thread of every process involved)',
    table(
      ['photo', 'floor', 'e2e total', 'function', 'detector', 'classifier', 'HTTP client', 'ratio'],
      e2e.results.perPhoto.map(({ photo, cpuMsPerRequest: c }) => [
        photo,
        c.floor,
        c.e2e,
        c.function,
        c.detector,
        c.classifier,
        c.client,
        c.ratio,
      ]),
    ),
    '#### concurrency sweep, 1280x960 photo with 4 bananas',
    table(
      [
        'concurrency',
        'floor p50',
        'floor p99',
        'floor req/s',
        'e2e p50',
        'e2e p95',
        'e2e p99',
        'e2e req/s',
        'errors',
        'p50 ratio',
        'req/s ratio',
      ],
      e2e.results.concurrency.map((r) => [
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
    ),
  );
}

const batching = read<{
  batches: Array<{ n: number; reps: number; batchedMs: number; singlesMs: number; ratio: number }>;
}>('batching');
if (batching) {
  sections.push(
    '### batching (classifier over gRPC, raw crops)',
    stamp(batching),
    table(
      [
        'N crops',
        'reps',
        'one call, median ms',
        'N one-crop calls, median ms',
        'ratio',
        'ms per crop in one call',
      ],
      batching.results.batches.map((b) => [
        b.n,
        b.reps,
        b.batchedMs,
        b.singlesMs,
        b.ratio,
        b.batchedMs / b.n,
      ]),
    ),
  );
}

const cold = read<{
  components: Array<{
    component: string;
    runs: unknown[];
    startToServingMedianMs: number;
    startToServingMaxMs: number;
    cpuMsToServingMedian: number;
    firstRequestMedianMs: number;
    steadyMedianMs: number;
  }>;
}>('cold-start');
if (cold) {
  sections.push(
    '### cold start (compiled, one process at a time)',
    stamp(cold),
    table(
      [
        'process',
        'runs',
        'start -> serving p50 ms',
        'max ms',
        'CPU ms by then',
        'first request ms',
        'steady p50 ms',
      ],
      cold.results.components.map((c) => [
        c.component,
        c.runs.length,
        c.startToServingMedianMs,
        c.startToServingMaxMs,
        c.cpuMsToServingMedian,
        c.firstRequestMedianMs,
        c.steadyMedianMs,
      ]),
    ),
  );
}

const memory = read<{
  scenarios: Array<{
    name: string;
    load: { requests: number; errors: number; throughput: number };
    processes: Array<{
      component: string;
      idleRssMiB: number;
      loadRssMedianMiB: number;
      peakRssMiB: number;
      limitMiB: number;
      met: boolean;
    }>;
  }>;
}>('memory');
if (memory) {
  sections.push(
    `### memory (compiled, ${String(memory.settings.concurrency)} concurrent requests)`,
    stamp(memory),
    table(
      [
        'load',
        'process',
        'idle RSS MiB',
        'RSS p50 under load',
        'peak RSS (VmHWM)',
        'limit',
        'met',
        'requests (errors)',
      ],
      memory.results.scenarios.flatMap((s) =>
        s.processes.map((p) => [
          s.name,
          p.component,
          p.idleRssMiB,
          p.loadRssMedianMiB,
          p.peakRssMiB,
          p.limitMiB,
          p.met ? 'yes' : 'no',
          `${s.load.requests} (${s.load.errors})`,
        ]),
      ),
    ),
  );
}

const loop = read<{
  processes: Array<{
    process: string;
    load: { throughput: number };
    probes: Array<{
      probe: string;
      idleMs: LatencySummary;
      saturatedMs: LatencySummary;
      failures: number;
    }>;
  }>;
}>('event-loop');
if (loop) {
  sections.push(
    `### event loop: probe latency while saturated (${String(loop.settings.concurrency)} concurrent calls)`,
    stamp(loop),
    table(
      [
        'process',
        'probe',
        'idle p50 ms',
        'saturated p50',
        'p95',
        'p99',
        'max',
        'failed',
        'load req/s',
      ],
      loop.results.processes.flatMap((r) =>
        r.probes.map((p) => [
          r.process,
          p.probe,
          p.idleMs.p50,
          p.saturatedMs.p50,
          p.saturatedMs.p95,
          p.saturatedMs.p99,
          p.saturatedMs.max,
          p.failures,
          r.load.throughput,
        ]),
      ),
    ),
  );
}

const markdown = sections.join('\n\n');
if (process.argv.includes('--write')) {
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${START} ... ${END} section`);
  const updated = `${doc.slice(0, from + START.length)}\n\n${markdown}\n\n${doc.slice(to)}`;
  writeFileSync(DOC, await format(updated, { parser: 'markdown', ...(await resolveConfig(DOC)) }));
  console.log(`updated ${DOC}`);
} else {
  console.log(markdown);
}

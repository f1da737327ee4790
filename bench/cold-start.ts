/**
 * cold start: from spawning the process to SERVING (the services' serving line, logged right
 * after the health status turns SERVING, confirmed with a health Check), and the first
 * request's latency against the steady state. Runs the compiled JavaScript of dist/, as the
 * container images do (tsx would add its own start-up cost).
 */
import { createClassifierClient, createDetectorClient } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { createHealthProbe } from './harness/health-probe.js';
import { postImage } from '../scripts/lib/http-client.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { spawnComponent, type Component, type ComponentProcess } from '../scripts/lib/launcher.js';
import { repeatedCrop } from './harness/crops.js';
import { writeResult } from './harness/results.js';
import { median } from '../scripts/lib/stats.js';
import { printTables, type Table, round2 } from './harness/table.js';

export interface ColdStartRun {
  /** spawn -> serving (services) or listening (function) line, ms. */
  startToServingMs: number;
  /** CPU time the process had used by then (all threads): what the start costs without contention. */
  cpuMsToServing: number;
  firstRequestMs: number;
  steadyMedianMs: number;
}

export interface ColdStartResult {
  component: Component;
  runs: ColdStartRun[];
  startToServingMedianMs: number;
  startToServingMaxMs: number;
  cpuMsToServingMedian: number;
  firstRequestMedianMs: number;
  steadyMedianMs: number;
}

const STEADY_SAMPLES = 10;
const MAX_STARTUP_MS = 1500;

async function firstAndSteady(
  call: () => Promise<unknown>,
): Promise<{ first: number; steady: number }> {
  const timed = async () => {
    const start = performance.now();
    await call();
    return performance.now() - start;
  };
  const first = await timed();
  const steady: number[] = [];
  for (let i = 0; i < STEADY_SAMPLES; i++) steady.push(await timed());
  return { first, steady: median(steady) };
}

async function startService(
  component: 'detector' | 'classifier',
  threads: string,
): Promise<{ process: ComponentProcess; ms: number; cpuMs: number }> {
  const process = await spawnComponent({
    component,
    runtime: 'dist',
    env: { INTRA_OP_THREADS: threads },
  });
  const ms = process.readyAt - process.spawnedAt;
  const probe = createHealthProbe(`127.0.0.1:${process.port}`);
  try {
    const { status } = await probe.check(2000);
    if (status !== 'SERVING')
      throw new Error(`${component} logged serving but its health says ${status}`);
  } finally {
    probe.close();
  }
  return { process, ms, cpuMs: process.cpuMsAtReady };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function summarizeRuns(component: Component, runs: ColdStartRun[]): ColdStartResult {
  return {
    component,
    runs: runs.map((r) => ({
      startToServingMs: round1(r.startToServingMs),
      cpuMsToServing: round1(r.cpuMsToServing),
      firstRequestMs: round1(r.firstRequestMs),
      steadyMedianMs: round1(r.steadyMedianMs),
    })),
    startToServingMedianMs: round1(median(runs.map((r) => r.startToServingMs))),
    startToServingMaxMs: round1(Math.max(...runs.map((r) => r.startToServingMs))),
    cpuMsToServingMedian: round1(median(runs.map((r) => r.cpuMsToServing))),
    firstRequestMedianMs: round1(median(runs.map((r) => r.firstRequestMs))),
    steadyMedianMs: round1(median(runs.map((r) => r.steadyMedianMs))),
  };
}

export async function runColdStart(context: BenchContext): Promise<ColdStartResult[]> {
  await ensureBuilt();
  const photo = await context.photo(TARGET_PHOTO);
  const crops = await repeatedCrop(photo.jpeg, 4);
  const threads = String(context.intraOpThreads);
  const repeats = context.scale(5, 2);
  const runs: Record<Component, ColdStartRun[]> = { detector: [], classifier: [], function: [] };

  for (let r = 0; r < repeats; r++) {
    // One service at a time: on a small machine, starting both at once measures contention.
    const detector = await startService('detector', threads);
    const classifier = await startService('classifier', threads);
    const detectorClient = createDetectorClient({ target: `127.0.0.1:${detector.process.port}` });
    const classifierClient = createClassifierClient({
      target: `127.0.0.1:${classifier.process.port}`,
    });
    let fn: ComponentProcess | undefined;
    try {
      const d = await firstAndSteady(() =>
        detectorClient.detect({ image: photo.jpeg, minConfidence: 0, maxDetections: 4 }),
      );
      runs.detector.push({
        startToServingMs: detector.ms,
        cpuMsToServing: detector.cpuMs,
        firstRequestMs: d.first,
        steadyMedianMs: d.steady,
      });
      const c = await firstAndSteady(() => classifierClient.classify({ rawCrops: crops }));
      runs.classifier.push({
        startToServingMs: classifier.ms,
        cpuMsToServing: classifier.cpuMs,
        firstRequestMs: c.first,
        steadyMedianMs: c.steady,
      });

      fn = await spawnComponent({
        component: 'function',
        runtime: 'dist',
        env: {
          DETECTOR_ADDR: `127.0.0.1:${detector.process.port}`,
          CLASSIFIER_ADDR: `127.0.0.1:${classifier.process.port}`,
        },
      });
      const url = `http://127.0.0.1:${fn.port}/?min_confidence=0&max_detections=${photo.bananas}`;
      const f = await firstAndSteady(async () => {
        const result = await postImage(url, photo.jpeg);
        if (result.status !== 200) throw new Error(`function answered ${result.status}`);
      });
      runs.function.push({
        startToServingMs: fn.readyAt - fn.spawnedAt,
        cpuMsToServing: fn.cpuMsAtReady,
        firstRequestMs: f.first,
        steadyMedianMs: f.steady,
      });
    } finally {
      detectorClient.close();
      classifierClient.close();
      await fn?.stop();
      await Promise.all([detector.process.stop(), classifier.process.stop()]);
    }
  }

  const results = (Object.keys(runs) as Component[]).map((component) =>
    summarizeRuns(component, runs[component]),
  );
  printTables(coldStartTables({ components: results }, MAX_STARTUP_MS));
  writeResult(
    'cold-start',
    {
      runtime: 'node dist/ (compiled), MALLOC_ARENA_MAX=2, NODE_ENV=production',
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
      requests:
        'detector: target photo; classifier: 4 raw crops; function: target photo with annotated JPEG',
      targetMs: MAX_STARTUP_MS,
    },
    { components: results },
  );
  return results;
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

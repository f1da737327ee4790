/**
 * model-swap: new versions of both models written into MODEL_DIR while 4 clients send photos
 * through the function (compiled stack, one process each). Each service finds its version on
 * its next poll, loads and warms it beside the served one and swaps it in. Target: no failed
 * request, and the p99 of the requests sent from the write until both swaps are done (and a
 * second after) within 2x the p99 before.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, round2, yesNo } from './harness/table.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { REPO_ROOT } from '../scripts/lib/repo-root.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';

const CLIENTS = 4;
const P99_LIMIT = 2;
const MODELS = ['detector', 'classifier'] as const;
const repoPath = (path: string) => join(REPO_ROOT, path);

interface SwapResult {
  beforeMs: LatencySummary;
  duringMs: LatencySummary;
  swapSeconds: number;
  p99Ratio: number;
  failures: number;
  target: { p99RatioLimit: number; met: boolean };
}

async function swapsDone(metricsPorts: number[]): Promise<boolean> {
  const counts = await Promise.all(
    metricsPorts.map(async (port) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/banana_model_reloads_total\{[^}]*outcome="swapped"\} (\d+)/.exec(text)?.[1]);
    }),
  );
  return counts.every((count) => count >= 1);
}

/** Version folder 1 of each model: the shipped weights under a new card version. */
async function writeVersions(dir: string): Promise<void> {
  for (const model of MODELS) {
    const folder = join(dir, model, '1');
    await mkdir(folder, { recursive: true });
    await copyFile(repoPath(`models/${model}.onnx`), join(folder, `${model}.onnx`));
    const card = JSON.parse(await readFile(repoPath(`models/${model}.json`), 'utf8')) as object;
    await writeFile(
      join(folder, `${model}.json`),
      JSON.stringify({ ...card, version: '9.9.9-swap' }),
    );
  }
}

/** `CLIENTS` closed-loop clients posting `jpeg` until stopped: each answer's start and time. */
function closedLoop(url: string, jpeg: Buffer) {
  const agent = createAgent(CLIENTS);
  const samples: Array<{ at: number; ms: number }> = [];
  let failures = 0;
  let running = true;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) {
      const at = performance.now();
      const answer = await postImage(url, jpeg, { agent, timeoutMs: 60_000 }).catch(() => ({
        status: 0,
        ms: 0,
      }));
      if (answer.status === 200) samples.push({ at, ms: answer.ms });
      else failures += 1;
    }
  });
  let stopped: Promise<void> | undefined;
  return {
    /** Latencies of the requests started in [from, to). */
    window: (from: number, to: number) =>
      samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms),
    failures: () => failures,
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await Promise.all(clients);
        agent.destroy();
      })()),
  };
}

function printResult(result: SwapResult, photoName: string): void {
  const { beforeMs, duringMs } = result;
  printTables([
    {
      title: `Live model swap: both models replaced in MODEL_DIR under ${CLIENTS} clients (${photoName})`,
      header: [
        'p50 before',
        'p99 before',
        'p50 during swap',
        'p99 during swap',
        'p99 ratio',
        'write → both swapped (s)',
        'failed requests',
        `target (0 failed, ratio ≤ ${P99_LIMIT})`,
      ],
      rows: [
        [
          beforeMs.p50,
          beforeMs.p99,
          duringMs.p50,
          duringMs.p99,
          result.p99Ratio,
          result.swapSeconds,
          result.failures,
          yesNo(result.target.met),
        ],
      ],
    },
  ]);
}

export async function runModelSwap(context: BenchContext): Promise<SwapResult> {
  await ensureBuilt();
  const photo = await context.photo(TARGET_PHOTO);
  const dir = await mkdtemp(join(tmpdir(), 'bench-model-swap-'));
  for (const model of MODELS) {
    for (const ext of ['onnx', 'json']) {
      await copyFile(repoPath(`models/${model}.${ext}`), join(dir, `${model}.${ext}`));
    }
  }
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: {
      INTRA_OP_THREADS: String(context.intraOpThreads),
      MODEL_DIR: dir,
      MODEL_POLL_MS: '250',
    },
  });
  const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}&format=none`;
  const load = closedLoop(url, photo.jpeg);
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // warm-up
    const baselineFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, context.scale(15_000, 5_000)));
    const written = performance.now();
    await writeVersions(dir);
    const metricsPorts = [stack.detector, stack.classifier].map((c) => c.process.metricsPort ?? 0);
    while (!(await swapsDone(metricsPorts))) {
      if (performance.now() - written > 60_000)
        throw new Error('the new versions were not swapped in within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const swapped = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await load.stop();
    const failures = load.failures();
    const beforeMs = rounded(summarize(load.window(baselineFrom, written)));
    const duringMs = rounded(summarize(load.window(written, swapped + 1000)));
    const p99Ratio = round2(duringMs.p99 / beforeMs.p99);
    const result = {
      beforeMs,
      duringMs,
      swapSeconds: round2((swapped - written) / 1000),
      p99Ratio,
      failures,
      target: { p99RatioLimit: P99_LIMIT, met: failures === 0 && p99Ratio <= P99_LIMIT },
    };
    printResult(result, photo.name);
    writeResult(
      'model-swap',
      {
        intraOpThreads: context.intraOpThreads,
        quick: context.quick,
        processes: 'function, detector, classifier: one compiled (dist/) process each',
        clients: `${CLIENTS} closed-loop clients`,
        poll: 'MODEL_POLL_MS=250',
      },
      result,
    );
    return result;
  } finally {
    await load.stop();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

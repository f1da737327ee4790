/**
 * memory: peak RSS (VmHWM from /proc/<pid>/status) of each process under steady load, the
 * compiled stack (dist/) with the images' runtime settings (read from the Dockerfiles). Two
 * loads, each on a fresh stack (VmHWM counts from the start): every photo size, 640 px to
 * 12 MP, and web/phone-sized photos up to 1920 px; a fixed concurrency.
 */
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { runLoad, type LoadReport } from '../scripts/lib/load.js';
import type { BenchPhoto } from './harness/photos.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import type { Component } from '../scripts/lib/launcher.js';
import { readMemory } from '../scripts/lib/proc-stats.js';
import { writeResult } from './harness/results.js';
import { median, rounded } from '../scripts/lib/stats.js';
import { printTables, type Table, round2, yesNo } from './harness/table.js';

export const MEMORY_LIMITS_MIB: Record<Component, number> = {
  detector: 250,
  classifier: 250,
  function: 200,
};
const CONCURRENCY = 4;

export interface MemoryResult {
  component: Component;
  idleRssMiB: number;
  loadRssMedianMiB: number;
  peakRssMiB: number;
  limitMiB: number;
  met: boolean;
}

export interface MemoryScenario {
  name: string;
  photos: string[];
  processes: MemoryResult[];
  load: LoadReport;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function measure(
  context: BenchContext,
  name: string,
  photos: BenchPhoto[],
): Promise<MemoryScenario> {
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
  });
  const components = stack.all();
  const samples = new Map<Component, number[]>(components.map((c) => [c.component, []]));
  let load: LoadReport;
  let idle: Record<string, number>;
  let peaks: Record<string, number>;
  try {
    idle = Object.fromEntries(components.map((c) => [c.component, readMemory(c.pid).rssMiB]));
    const sampler = setInterval(() => {
      for (const c of components) samples.get(c.component)?.push(readMemory(c.pid).rssMiB);
    }, 250);
    const agent = createAgent(CONCURRENCY);
    load = await runLoad({
      concurrency: CONCURRENCY,
      durationMs: context.scale(40_000, 8_000),
      send: async (i) => {
        const photo = photos[i % photos.length];
        if (!photo) return false;
        const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`;
        return (await postImage(url, photo.jpeg, { agent })).status === 200;
      },
    });
    clearInterval(sampler);
    agent.destroy();
    peaks = Object.fromEntries(components.map((c) => [c.component, readMemory(c.pid).peakRssMiB]));
  } finally {
    await stack.stop();
  }
  const processes = components.map(({ component }) => {
    const peak = peaks[component] ?? NaN;
    return {
      component,
      idleRssMiB: round1(idle[component] ?? NaN),
      loadRssMedianMiB: round1(median(samples.get(component) ?? [])),
      peakRssMiB: round1(peak),
      limitMiB: MEMORY_LIMITS_MIB[component],
      met: peak <= MEMORY_LIMITS_MIB[component],
    };
  });
  return {
    name,
    photos: photos.map((p) => p.name),
    processes,
    load: { ...load, latencyMs: rounded(load.latencyMs) },
  };
}

export async function runMemory(context: BenchContext): Promise<MemoryScenario[]> {
  await ensureBuilt();
  const all = await context.photos();
  const scenarios = [
    await measure(context, 'all sizes, 640 px to 12 MP', all),
    await measure(
      context,
      'photos up to 1920 px',
      all.filter((p) => Math.max(p.width, p.height) <= 1920),
    ),
  ];
  printTables(memoryTables({ scenarios }, CONCURRENCY));
  for (const s of scenarios)
    console.log(`${s.name}: ${s.load.requests} requests, ${s.load.errors} errors`);
  writeResult(
    'memory',
    {
      runtime: 'node dist/ (compiled)',
      concurrency: CONCURRENCY,
      quick: context.quick,
      intraOpThreads: context.intraOpThreads,
    },
    { scenarios },
  );
  return scenarios;
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

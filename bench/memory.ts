/**
 * memory: peak RSS (VmHWM from /proc/<pid>/status) of each process under steady load, the
 * compiled stack (dist/) with the images' settings (NODE_ENV=production, MALLOC_ARENA_MAX=2).
 * The load mixes every photo size, 640 to 4000 px, at a fixed concurrency.
 */
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { createAgent, postImage } from './harness/http-client.js';
import { runLoad, type LoadReport } from './harness/load.js';
import type { Component } from './harness/processes.js';
import { readMemory } from './harness/processes.js';
import { startProcessStack } from './harness/process-stack.js';
import { writeResult } from './harness/results.js';
import { median, rounded } from './harness/stats.js';
import { printTable } from './harness/table.js';

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

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function runMemory(
  context: BenchContext,
): Promise<{ processes: MemoryResult[]; load: LoadReport }> {
  await ensureBuilt();
  const photos = await context.photos();
  const stack = await startProcessStack({
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
      durationMs: context.scale(45_000, 8_000),
      send: async (i) => {
        const photo = photos[i % photos.length];
        if (!photo) return false;
        const result = await postImage(
          `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`,
          photo.jpeg,
          { agent },
        );
        return result.status === 200;
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
  printTable(
    `memory under steady load (compiled, ${CONCURRENCY} concurrent, all photo sizes; MiB)`,
    ['process', 'idle RSS', 'RSS p50 under load', 'peak RSS', 'limit', 'met'],
    processes.map((p) => [
      p.component,
      p.idleRssMiB,
      p.loadRssMedianMiB,
      p.peakRssMiB,
      p.limitMiB,
      p.met ? 'yes' : 'NO',
    ]),
  );
  console.log(
    `load: ${load.requests} requests, ${load.errors} errors, ${load.throughput.toFixed(2)} req/s`,
  );
  const report = { ...load, latencyMs: rounded(load.latencyMs) };
  writeResult(
    'memory',
    {
      runtime: 'node dist/ (compiled)',

      concurrency: CONCURRENCY,
      photos: photos.map((p) => p.name),
      quick: context.quick,
      intraOpThreads: context.intraOpThreads,
    },
    { processes, load: report },
  );
  return { processes, load: report };
}

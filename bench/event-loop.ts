/**
 * event loop: while a process is saturated (every inference worker busy, a queue waiting),
 * how fast does it still answer its health check? A blocked event loop shows up as probe
 * latency. gRPC health Check for the services (own connection, as a kubelet probe), GET
 * /_/health for the function, GET /metrics alongside, and a control: a do-nothing process
 * probed at the same time, whose latency is what CPU contention alone costs.
 */
import type { Agent } from 'node:http';
import { createClassifierClient, createDetectorClient } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { startControlServer } from './harness/control-server.js';
import { createHealthProbe } from './harness/health-probe.js';
import { createAgent, httpRequest, postImage } from '../scripts/lib/http-client.js';
import { runLoad, type LoadReport } from '../scripts/lib/load.js';
import { TARGET_PHOTO, type BenchPhoto } from './harness/photos.js';
import {
  startProcessStack,
  type ManagedComponent,
  type ProcessStack,
} from '../scripts/lib/process-stack.js';
import { repeatedCrop } from './harness/crops.js';
import { writeResult } from './harness/results.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';
import { printTables, type Table, yesNo } from './harness/table.js';

export const HEALTH_P99_LIMIT_MS = 50;
const CONCURRENCY = 8;
const PROBE_INTERVAL_MS = 20;

type Probe = () => Promise<number>;

export interface ProbeResult {
  probe: string;
  idleMs: LatencySummary;
  saturatedMs: LatencySummary;
  failures: number;
}

export interface EventLoopResult {
  process: string;
  load: LoadReport;
  probes: ProbeResult[];
  /** The health probe's saturated p99 is within the limit and no probe failed. */
  met?: boolean;
}

/** Runs `probe` every interval until `until` settles; collects latencies and failures. */
async function probeWhile(
  until: Promise<unknown>,
  probe: Probe,
): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const state = { done: false };
  void until.finally(() => {
    state.done = true;
  });
  while (!state.done) {
    const started = performance.now();
    try {
      latencies.push(await probe());
    } catch {
      failures++;
    }
    const wait = PROBE_INTERVAL_MS - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { latencies, failures };
}

async function idleLatencies(probe: Probe, count = 40): Promise<LatencySummary> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    latencies.push(await probe());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return rounded(summarize(latencies));
}

function httpProbe(url: string): Probe {
  const agent = createAgent(1);
  return async () => {
    const answer = await httpRequest('GET', url, undefined, { agent, timeoutMs: 1000 });
    if (answer.status !== 200) throw new Error(String(answer.status));
    return answer.ms;
  };
}

function healthProbe(address: string): Probe {
  const probe = createHealthProbe(address);
  return async () => {
    const answer = await probe.check(1000);
    if (answer.status !== 'SERVING') throw new Error(answer.status);
    return answer.ms;
  };
}

/** Saturates one process with `send` for `durationMs` while every probe runs. */
async function saturate(
  process: string,
  send: () => Promise<boolean>,
  probes: Record<string, Probe>,
  durationMs: number,
): Promise<EventLoopResult> {
  const idle = Object.fromEntries(
    await Promise.all(
      Object.entries(probes).map(
        async ([name, probe]) => [name, await idleLatencies(probe)] as const,
      ),
    ),
  );
  const loadDone = runLoad({ concurrency: CONCURRENCY, durationMs, send });
  const [load, ...observed] = await Promise.all([
    loadDone,
    ...Object.values(probes).map((probe) => probeWhile(loadDone, probe)),
  ]);
  const results = Object.keys(probes).map((name, i) => ({
    probe: name,
    idleMs: idle[name] as LatencySummary,
    saturatedMs: rounded(summarize(observed[i]?.latencies ?? [])),
    failures: observed[i]?.failures ?? 0,
  }));
  return { process, load: { ...load, latencyMs: rounded(load.latencyMs) }, probes: results };
}

export async function runEventLoop(context: BenchContext): Promise<EventLoopResult[]> {
  await ensureBuilt();
  const photo = await context.photo(TARGET_PHOTO);
  const crops = await repeatedCrop(photo.jpeg, 8);
  const control = await startControlServer();
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
  });
  const durationMs = context.scale(15_000, 4_000);
  const results: EventLoopResult[] = [];
  const detector = createDetectorClient({ target: `127.0.0.1:${stack.detector.port}` });
  const classifier = createClassifierClient({ target: `127.0.0.1:${stack.classifier.port}` });
  const agent = createAgent(CONCURRENCY);
  try {
    const controlProbe = httpProbe(control.url);
    const detect = async () =>
      (await detector.detect({ image: photo.jpeg, minConfidence: 0, maxDetections: 4 })).detections
        .length > 0;
    const classify = async () =>
      (await classifier.classify({ rawCrops: crops })).results.length === crops.length;
    results.push(
      await saturateService('detector', stack.detector, detect, controlProbe, durationMs),
      await saturateService('classifier', stack.classifier, classify, controlProbe, durationMs),
      await saturateFunction(stack, photo, agent, controlProbe, durationMs),
    );
  } finally {
    agent.destroy();
    detector.close();
    classifier.close();
    control.stop();
    await stack.stop();
  }
  printTables(
    eventLoopTables(
      { processes: results },
      { concurrency: CONCURRENCY, limitP99Ms: HEALTH_P99_LIMIT_MS },
    ),
  );
  writeResult(
    'event-loop',
    {
      concurrency: CONCURRENCY,
      probeIntervalMs: PROBE_INTERVAL_MS,
      durationMs,
      quick: context.quick,
      intraOpThreads: context.intraOpThreads,
      limitP99Ms: HEALTH_P99_LIMIT_MS,
    },
    { processes: results },
  );
  return results;
}

/**
 * A model service saturated with `send`, probed by gRPC health Check and GET /metrics; met when
 * the health probe's saturated p99 is within the limit and no probe failed.
 */
async function saturateService(
  name: string,
  component: ManagedComponent,
  send: () => Promise<boolean>,
  controlProbe: Probe,
  durationMs: number,
): Promise<EventLoopResult> {
  const result = await saturate(
    name,
    send,
    {
      'grpc.health.v1 Check': healthProbe(`127.0.0.1:${component.port}`),
      'GET /metrics': httpProbe(`http://127.0.0.1:${component.process.metricsPort}/metrics`),
      'control process': controlProbe,
    },
    durationMs,
  );
  const health = result.probes[0];
  result.met =
    health !== undefined &&
    health.saturatedMs.p99 <= HEALTH_P99_LIMIT_MS &&
    result.probes.every((p) => p.failures === 0);
  return result;
}

/** The function saturated with whole requests, probed by GET /_/health and GET /metrics. */
function saturateFunction(
  stack: ProcessStack,
  photo: BenchPhoto,
  agent: Agent,
  controlProbe: Probe,
  durationMs: number,
): Promise<EventLoopResult> {
  const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`;
  return saturate(
    'function',
    async () => (await postImage(url, photo.jpeg, { agent })).status === 200,
    {
      'GET /_/health': httpProbe(`${stack.url}/_/health`),
      'GET /metrics': httpProbe(`${stack.url}/metrics`),
      'control process': controlProbe,
    },
    durationMs,
  );
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

/**
 * event loop: while a process is saturated (every inference worker busy, a queue waiting),
 * how fast does it still answer its health check? A blocked event loop shows up here as
 * probe latency. gRPC health Check for the services (own connection, as a kubelet probe),
 * GET /_/health for the function, GET /metrics alongside.
 */
import sharp from 'sharp';
import { createClassifierClient, createDetectorClient } from '../lib/client/index.js';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { createHealthProbe } from './harness/health-probe.js';
import { createAgent, httpRequest, postImage } from './harness/http-client.js';
import { runLoad, type LoadReport } from './harness/load.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { startProcessStack } from './harness/process-stack.js';
import { PRODUCTION_ENV } from './harness/production-env.js';
import { writeResult } from './harness/results.js';
import { rounded, summarize, type LatencySummary } from './harness/stats.js';
import { printTable } from './harness/table.js';

export const HEALTH_P99_LIMIT_MS = 50;
const CONCURRENCY = 8;
const PROBE_INTERVAL_MS = 20;
const METRICS_INTERVAL_MS = 100;

export interface EventLoopResult {
  process: string;
  probe: string;
  idleMs: LatencySummary;
  saturatedMs: LatencySummary;
  probeFailures: number;
  load: LoadReport;
  met?: boolean;
}

/** Runs `probe` every interval until `until` settles; collects latencies and failures. */
async function probeWhile(
  until: Promise<unknown>,
  intervalMs: number,
  probe: () => Promise<number>,
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
    const wait = intervalMs - (performance.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { latencies, failures };
}

async function idleLatencies(probe: () => Promise<number>, count: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    latencies.push(await probe());
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return rounded(summarize(latencies));
}

export async function runEventLoop(context: BenchContext): Promise<EventLoopResult[]> {
  await ensureBuilt();
  const photo = await context.photo(TARGET_PHOTO);
  const { data, info } = await sharp(photo.jpeg)
    .extract({ left: 100, top: 100, width: 200, height: 110 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const crops = Array.from({ length: 8 }, () => ({
    rgb: data,
    width: info.width,
    height: info.height,
  }));
  const stack = await startProcessStack({
    runtime: 'dist',
    serviceEnv: { ...PRODUCTION_ENV, INTRA_OP_THREADS: String(context.intraOpThreads) },
    functionEnv: PRODUCTION_ENV,
  });
  const durationMs = context.scale(15_000, 4_000);
  const results: EventLoopResult[] = [];
  try {
    const detector = createDetectorClient({ target: `127.0.0.1:${stack.detector.port}` });
    const classifier = createClassifierClient({ target: `127.0.0.1:${stack.classifier.port}` });
    const agent = createAgent(CONCURRENCY);
    const targets = [
      {
        process: 'detector',
        port: stack.detector.port,
        metricsPort: stack.detector.process.metricsPort,
        send: async () =>
          (await detector.detect({ image: photo.jpeg, minConfidence: 0, maxDetections: 4 }))
            .detections.length > 0,
      },
      {
        process: 'classifier',
        port: stack.classifier.port,
        metricsPort: stack.classifier.process.metricsPort,
        send: async () =>
          (await classifier.classify({ rawCrops: crops })).results.length === crops.length,
      },
    ];
    for (const target of targets) {
      const probe = createHealthProbe(`127.0.0.1:${target.port}`);
      const check = async () => {
        const answer = await probe.check(1000);
        if (answer.status !== 'SERVING') throw new Error(answer.status);
        return answer.ms;
      };
      const metricsAgent = createAgent(1);
      const scrape = async () => {
        const answer = await httpRequest(
          'GET',
          `http://127.0.0.1:${target.metricsPort}/metrics`,
          undefined,
          { agent: metricsAgent, timeoutMs: 1000 },
        );
        if (answer.status !== 200) throw new Error(String(answer.status));
        return answer.ms;
      };
      const idleHealth = await idleLatencies(check, 50);
      const idleMetrics = await idleLatencies(scrape, 20);
      const loadDone = runLoad({ concurrency: CONCURRENCY, durationMs, send: target.send });
      const [health, metrics, load] = await Promise.all([
        probeWhile(loadDone, PROBE_INTERVAL_MS, check),
        probeWhile(loadDone, METRICS_INTERVAL_MS, scrape),
        loadDone,
      ]);
      const saturated = rounded(summarize(health.latencies));
      results.push({
        process: target.process,
        probe: 'grpc.health.v1 Check',
        idleMs: idleHealth,
        saturatedMs: saturated,
        probeFailures: health.failures,
        load: { ...load, latencyMs: rounded(load.latencyMs) },
        met: saturated.p99 <= HEALTH_P99_LIMIT_MS && health.failures === 0,
      });
      results.push({
        process: target.process,
        probe: 'GET /metrics',
        idleMs: idleMetrics,
        saturatedMs: rounded(summarize(metrics.latencies)),
        probeFailures: metrics.failures,
        load: { ...load, latencyMs: rounded(load.latencyMs) },
      });
      probe.close();
      metricsAgent.destroy();
    }
    // The function: saturated with whole photos; its liveness endpoint.
    const healthAgent = createAgent(1);
    const live = async () => {
      const answer = await httpRequest('GET', `${stack.url}/_/health`, undefined, {
        agent: healthAgent,
        timeoutMs: 1000,
      });
      if (answer.status !== 200) throw new Error(String(answer.status));
      return answer.ms;
    };
    const idleLive = await idleLatencies(live, 50);
    const loadDone = runLoad({
      concurrency: CONCURRENCY,
      durationMs,
      send: async () =>
        (
          await postImage(
            `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`,
            photo.jpeg,
            { agent },
          )
        ).status === 200,
    });
    const [health, load] = await Promise.all([
      probeWhile(loadDone, PROBE_INTERVAL_MS, live),
      loadDone,
    ]);
    results.push({
      process: 'function',
      probe: 'GET /_/health',
      idleMs: idleLive,
      saturatedMs: rounded(summarize(health.latencies)),
      probeFailures: health.failures,
      load: { ...load, latencyMs: rounded(load.latencyMs) },
    });
    healthAgent.destroy();
    agent.destroy();
    detector.close();
    classifier.close();
  } finally {
    await stack.stop();
  }
  printTable(
    `event loop: probe latency while saturated (${CONCURRENCY} concurrent calls; ms)`,
    [
      'process',
      'probe',
      'idle p50',
      'sat. p50',
      'sat. p95',
      'sat. p99',
      'sat. max',
      'failed',
      'load rps',
      'load errors',
      'p99 <= 50',
    ],
    results.map((r) => [
      r.process,
      r.probe,
      r.idleMs.p50,
      r.saturatedMs.p50,
      r.saturatedMs.p95,
      r.saturatedMs.p99,
      r.saturatedMs.max,
      r.probeFailures,
      Math.round(r.load.throughput * 10) / 10,
      r.load.errors,
      r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
    ]),
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
    { probes: results },
  );
  return results;
}

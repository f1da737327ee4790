/**
 * tracing: end-to-end latency of the compiled stack with tracing off (no OTLP endpoint), on
 * (every process exporting to an OTLP/HTTP receiver in this process, default batch settings)
 * and with an endpoint but OTEL_SDK_DISABLED=true. The three stacks run side by side and are
 * sent the same photo in turn, request by request (rotating which goes first), so background
 * load on a shared machine hits all three alike.
 */
import type { Agent } from 'node:http';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO, type BenchPhoto } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, type Table } from './harness/table.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack, type ProcessStack } from '../scripts/lib/process-stack.js';
import { readCpuMs } from '../scripts/lib/proc-stats.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';
import { startOtlpReceiver, type OtlpReceiver } from '../test/support/otlp-receiver.js';

const MODES = ['off', 'on', 'sdk-disabled'] as const;
type Mode = (typeof MODES)[number];

export interface TracingModeResult {
  mode: Mode;
  environment: string;
  latencyMs: LatencySummary;
  /** CPU time of the three processes together per request. */
  cpuMsPerRequest: number;
  /** p50 relative to tracing off. */
  ratioP50: number;
  /** Median of the per-round ratios to tracing off (robust to drift in background load). */
  ratioPairedMedian: number;
}

export interface TracingBenchResult {
  photo: string;
  samples: number;
  modes: TracingModeResult[];
  /** Spans the receiver got from the traced stack, per traced request. */
  spansPerRequest: number;
  /** Export requests from the stack with OTEL_SDK_DISABLED=true (must be 0). */
  exportsWhileOff: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function tracingTables(result: TracingBenchResult): Table[] {
  return [
    {
      title: `Tracing overhead: ${result.photo}, concurrency 1, ${result.samples} requests per mode, interleaved`,
      header: [
        'tracing',
        'environment',
        'p50 ms',
        'p95 ms',
        'CPU ms/req',
        'p50 / off',
        'paired / off',
      ],
      rows: result.modes.map((m) => [
        m.mode,
        m.environment,
        m.latencyMs.p50,
        m.latencyMs.p95,
        m.cpuMsPerRequest,
        m.ratioP50,
        m.ratioPairedMedian,
      ]),
    },
  ];
}

export async function runTracing(context: BenchContext): Promise<TracingBenchResult> {
  const photo = await context.photo(TARGET_PHOTO);
  const samples = context.scale(120, 12);
  await ensureBuilt();
  const receiver = await startOtlpReceiver();
  // The disabled stack gets an endpoint of its own, which must receive nothing.
  const disabledReceiver = await startOtlpReceiver();
  const threads = String(Math.max(1, Math.floor(context.intraOpThreads / 3)));
  const envOf = tracingEnv(receiver, disabledReceiver);
  const stacks = new Map<Mode, ProcessStack>();
  try {
    for (const mode of MODES) {
      stacks.set(
        mode,
        await startProcessStack({
          transport: context.transport,
          runtime: 'dist',
          serviceEnv: { INTRA_OP_THREADS: threads, ...envOf[mode] },
          functionEnv: envOf[mode],
        }),
      );
    }
    const agent = createAgent(MODES.length);
    const send = (mode: Mode) => sendPhoto(stacks.get(mode) as ProcessStack, mode, photo, agent);
    for (let i = 0; i < 3; i++) for (const mode of MODES) await send(mode);
    const spansBefore = receiver.spans().length;
    const { latencies, cpu } = await measureInterleaved(stacks, send, samples);
    agent.destroy();
    // Everything the traced stack batched is exported on SIGTERM (after draining).
    await Promise.all([...stacks.values()].map((stack) => stack.stop()));
    stacks.clear();
    const tracedSpans = receiver.spans().length - spansBefore;
    const exportsWhileOff = disabledReceiver.requests.length;

    const result: TracingBenchResult = {
      photo: photo.name,
      samples,
      modes: summarizeModes(latencies, cpu, samples),
      spansPerRequest: Math.round((tracedSpans / samples) * 10) / 10,
      exportsWhileOff,
    };
    printTables(tracingTables(result));
    console.log(
      `spans exported per traced request: ${result.spansPerRequest}; exports with the SDK disabled: ${exportsWhileOff}`,
    );
    writeResult(
      'tracing',
      {
        intraOpThreads: Number(threads),
        quick: context.quick,
        processes:
          'three stacks side by side (function, detector, classifier: compiled dist/ processes each)',
        request: 'raw JPEG body, ?min_confidence=0&max_detections=<bananas>, annotated JPEG answer',
        receiver: 'OTLP/HTTP receiver in the bench process (decodes every export)',
      },
      result,
    );
    return result;
  } finally {
    await Promise.all([...stacks.values()].map((stack) => stack.stop()));
    await Promise.all([receiver.close(), disabledReceiver.close()]);
  }
}

/** The OTEL_* variables of each mode's stack (the function's and both services'). */
function tracingEnv(
  receiver: OtlpReceiver,
  disabledReceiver: OtlpReceiver,
): Record<Mode, Record<string, string>> {
  return {
    off: {},
    on: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
    'sdk-disabled': {
      OTEL_EXPORTER_OTLP_ENDPOINT: disabledReceiver.endpoint,
      OTEL_SDK_DISABLED: 'true',
    },
  };
}

const describeEnv = (mode: Mode) =>
  mode === 'off'
    ? 'no OTEL_* variables'
    : mode === 'on'
      ? 'OTEL_EXPORTER_OTLP_ENDPOINT (http/protobuf)'
      : 'endpoint + OTEL_SDK_DISABLED=true';

/**
 * One request to a mode's stack: the answer must be 200, with a traceparent header exactly when
 * tracing is on. Returns its latency (ms).
 */
async function sendPhoto(
  stack: ProcessStack,
  mode: Mode,
  photo: BenchPhoto,
  agent: Agent,
): Promise<number> {
  const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`;
  const result = await postImage(url, photo.jpeg, { agent });
  if (result.status !== 200)
    throw new Error(`${mode}: HTTP ${result.status}: ${result.body.toString().slice(0, 300)}`);
  if ((result.headers.traceparent !== undefined) !== (mode === 'on'))
    throw new Error(`${mode}: unexpected traceparent header ${String(result.headers.traceparent)}`);
  return result.ms;
}

/**
 * `samples` rounds of one request to each mode, in turn: each request's latency, and the CPU
 * time its stack's three processes used for it, summed per mode.
 */
async function measureInterleaved(
  stacks: ReadonlyMap<Mode, ProcessStack>,
  send: (mode: Mode) => Promise<number>,
  samples: number,
): Promise<{ latencies: Map<Mode, number[]>; cpu: Map<Mode, number> }> {
  const latencies = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  const cpu = new Map<Mode, number>(MODES.map((m) => [m, 0]));
  for (let i = 0; i < samples; i++) {
    // Rotate the order, so that no mode always runs right after another.
    const order = MODES.map((_, k) => MODES[(i + k) % MODES.length] as Mode);
    for (const mode of order) {
      const pids = (stacks.get(mode) as ProcessStack).all().map((c) => c.pid);
      const before = pids.map(readCpuMs);
      (latencies.get(mode) as number[]).push(await send(mode));
      const used = pids.reduce((sum, pid, k) => sum + readCpuMs(pid) - (before[k] ?? 0), 0);
      cpu.set(mode, (cpu.get(mode) ?? 0) + used);
    }
  }
  return { latencies, cpu };
}

/** Each mode's latency, CPU per request, and its ratios to tracing off (p50, and paired by round). */
function summarizeModes(
  latencies: ReadonlyMap<Mode, number[]>,
  cpu: ReadonlyMap<Mode, number>,
  samples: number,
): TracingModeResult[] {
  const off = latencies.get('off') as number[];
  const offP50 = summarize(off).p50;
  return MODES.map((mode): TracingModeResult => {
    const samplesOf = latencies.get(mode) as number[];
    const summary = summarize(samplesOf);
    return {
      mode,
      environment: describeEnv(mode),
      latencyMs: rounded(summary),
      cpuMsPerRequest: Math.round(((cpu.get(mode) ?? 0) / samples) * 10) / 10,
      ratioP50: round3(summary.p50 / offP50),
      ratioPairedMedian: round3(summarize(samplesOf.map((ms, k) => ms / (off[k] ?? NaN))).p50),
    };
  });
}

/**
 * overload: 128 concurrent clients against the compiled stack with the function's default
 * shedding limits (MAX_INFLIGHT_PIXELS, MAX_WAITING, MAX_QUEUE_WAIT_MS). Each client sends
 * its next photo as soon as the last answer arrived; after a 429 it first waits as the
 * answer's Retry-After says (scenario `retry-after`) or not at all (`no back-off`, the worst
 * case: the function then spends its CPU refusing). Accepted requests must stay fast
 * (p99 ≤ 2 s with Retry-After honoured), the rest be refused with 429; no 5xx and no reset
 * connection in either scenario.
 */
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, type Table } from './harness/table.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchPhoto } from './harness/photos.js';

export const OVERLOAD_CLIENTS = 128;
export const ACCEPTED_P99_LIMIT_MS = 2000;

export type OverloadScenario = 'retry-after' | 'no back-off';

export interface OverloadResult {
  scenario: OverloadScenario;
  photo: string;
  clients: number;
  durationS: number;
  accepted: number;
  shed: number;
  /** Answers other than 200 and 429, by status. */
  otherStatuses: Record<string, number>;
  /** Requests that got no answer (reset, refused, hung up), by error code. */
  connectionErrors: Record<string, number>;
  acceptedLatencyMs: LatencySummary;
  shedLatencyMs: LatencySummary;
  acceptedPerSecond: number;
  retryAfterSeconds: string[];
  target: { acceptedP99LimitMs: number; met: boolean };
}

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ') || 'none';

export function overloadTables(results: OverloadResult[]): Table[] {
  const [first] = results;
  return [
    {
      title: `Overload: ${first?.clients} concurrent clients, ${first?.photo}, ${first?.durationS} s per scenario`,
      header: [
        'after a 429',
        'accepted (200)',
        'shed (429)',
        'other status',
        'connection errors',
        'accepted/s',
        '200 p50 ms',
        '200 p99 ms',
        '429 p50 ms',
        `target met (p99 ≤ ${ACCEPTED_P99_LIMIT_MS} ms with back-off, no 5xx or resets)`,
      ],
      rows: results.map((result) => [
        result.scenario,
        result.accepted,
        result.shed,
        counts(result.otherStatuses),
        counts(result.connectionErrors),
        result.acceptedPerSecond,
        result.acceptedLatencyMs.p50,
        result.acceptedLatencyMs.p99,
        result.shedLatencyMs.p50,
        result.target.met ? 'yes' : 'NO',
      ]),
    },
  ];
}

async function overload(
  context: BenchContext,
  photo: BenchPhoto,
  scenario: OverloadScenario,
  durationMs: number,
): Promise<OverloadResult> {
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
  });
  const accepted: number[] = [];
  const shed: number[] = [];
  const otherStatuses: Record<string, number> = {};
  const connectionErrors: Record<string, number> = {};
  const retryAfter = new Set<string>();
  const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}`;
  const agent = createAgent(OVERLOAD_CLIENTS);
  let elapsedMs: number;
  try {
    // Warm-up at a load the stack serves without shedding.
    for (let i = 0; i < 4; i++) await postImage(url, photo.jpeg, { agent });
    const begin = performance.now();
    const client = async (): Promise<void> => {
      while (performance.now() - begin < durationMs) {
        try {
          const answer = await postImage(url, photo.jpeg, { agent, timeoutMs: 60_000 });
          if (answer.status === 200) accepted.push(answer.ms);
          else if (answer.status === 429) {
            shed.push(answer.ms);
            const seconds = String(answer.headers['retry-after']);
            retryAfter.add(seconds);
            if (scenario === 'retry-after') await sleep(Number(seconds) * 1000);
          } else otherStatuses[answer.status] = (otherStatuses[answer.status] ?? 0) + 1;
        } catch (error) {
          const code = (error as { code?: string }).code ?? (error as Error).message;
          connectionErrors[code] = (connectionErrors[code] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: OVERLOAD_CLIENTS }, client));
    elapsedMs = performance.now() - begin;
  } finally {
    agent.destroy();
    await stack.stop();
  }
  const acceptedLatencyMs = rounded(summarize(accepted));
  return {
    scenario,
    photo: photo.name,
    clients: OVERLOAD_CLIENTS,
    durationS: Math.round(elapsedMs / 100) / 10,
    accepted: accepted.length,
    shed: shed.length,
    otherStatuses,
    connectionErrors,
    acceptedLatencyMs,
    shedLatencyMs: rounded(summarize(shed)),
    acceptedPerSecond: Math.round((accepted.length * 100_000) / elapsedMs) / 100,
    retryAfterSeconds: [...retryAfter],
    target: {
      acceptedP99LimitMs: ACCEPTED_P99_LIMIT_MS,
      met:
        accepted.length > 0 &&
        (scenario === 'no back-off' || acceptedLatencyMs.p99 <= ACCEPTED_P99_LIMIT_MS) &&
        Object.keys(otherStatuses).length === 0 &&
        Object.keys(connectionErrors).length === 0,
    },
  };
}

export async function runOverload(context: BenchContext): Promise<OverloadResult[]> {
  const photo = await context.photo(TARGET_PHOTO);
  const durationMs = context.scale(30_000, 6_000);
  await ensureBuilt();
  const results: OverloadResult[] = [];
  // A fresh stack per scenario.
  for (const scenario of ['retry-after', 'no back-off'] as const)
    results.push(await overload(context, photo, scenario, durationMs));
  printTables(overloadTables(results));
  writeResult(
    'overload',
    {
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
      processes:
        'function, detector, classifier: one compiled (dist/) process each, a fresh stack per scenario',
      function: 'default MAX_INFLIGHT_PIXELS, MAX_WAITING and MAX_QUEUE_WAIT_MS',
      clients: `${OVERLOAD_CLIENTS} closed-loop clients over keep-alive connections; after a 429 each waits Retry-After (retry-after) or sends at once (no back-off)`,
    },
    results,
  );
  return results;
}

/** Closed-loop load: `concurrency` workers each sending the next request as soon as the last one ended. */
import { summarize, type LatencySummary } from './stats.js';

export interface LoadOptions {
  concurrency: number;
  /** Stop starting requests after this long... */
  durationMs?: number;
  /** ...or after this many requests (whichever comes first). */
  requests?: number;
  /** One request; resolves true for success. Receives the request's sequence number. */
  send: (index: number) => Promise<boolean>;
}

export interface LoadReport {
  concurrency: number;
  requests: number;
  errors: number;
  elapsedMs: number;
  /** Successful requests per second. */
  throughput: number;
  latencyMs: LatencySummary;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { concurrency, durationMs = Infinity, requests = Infinity } = options;
  if (!Number.isFinite(durationMs) && !Number.isFinite(requests))
    throw new Error('give durationMs or requests');
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const begin = performance.now();
  const worker = async (): Promise<void> => {
    while (started < requests && performance.now() - begin < durationMs) {
      const index = started++;
      const t0 = performance.now();
      let ok: boolean;
      try {
        ok = await options.send(index);
      } catch {
        ok = false;
      }
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - begin;
  return {
    concurrency,
    requests: latencies.length + errors,
    errors,
    elapsedMs,
    throughput: (latencies.length * 1000) / elapsedMs,
    latencyMs: summarize(latencies),
  };
}

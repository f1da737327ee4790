/**
 * fairness: two API keys on one stack (compiled, one process each). A polite client sends one
 * photo at a time; its latency is measured alone, then while a second key floods the function
 * with 32 clients that never back off. With per-key admission (KEY_MAX_IN_FLIGHT, default 8)
 * the flood is held to its share and answered 429 key_limit beyond it; the polite client's p99
 * should stay within 1.5x its solo p99. The same run with a tighter limit (2) and without
 * per-key limits (KEY_MAX_IN_FLIGHT=0) shows what the limit buys.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { TARGET_PHOTO, type BenchPhoto } from './harness/photos.js';
import { writeResult } from './harness/results.js';
import { printTables, round2, yesNo } from './harness/table.js';
import { createAgent, postImage } from '../scripts/lib/http-client.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { rounded, summarize, type LatencySummary } from '../scripts/lib/stats.js';

const FLOOD_CLIENTS = 32;
const POLITE_LIMIT = 1.5;
const POLITE_KEY = 'polite-grader-0123456789abcdef';
const FLOOD_KEY = 'flooding-grader-0123456789abcdef';

interface FairnessResult {
  limits: string;
  politeSoloMs: LatencySummary;
  politeUnderFloodMs: LatencySummary;
  p99Ratio: number;
  politeFailures: number;
  flood: { accepted: number; refused: number; other: number };
  target: { p99RatioLimit: number; met: boolean };
}

async function politeRun(
  url: string,
  photo: BenchPhoto,
  durationMs: number,
): Promise<{ ms: number[]; failures: number }> {
  const agent = createAgent(1);
  const ms: number[] = [];
  let failures = 0;
  const begin = performance.now();
  try {
    while (performance.now() - begin < durationMs) {
      const answer = await postImage(url, photo.jpeg, {
        agent,
        headers: { authorization: `Bearer ${POLITE_KEY}` },
        timeoutMs: 60_000,
      });
      if (answer.status === 200) ms.push(answer.ms);
      else failures += 1;
    }
  } finally {
    agent.destroy();
  }
  return { ms, failures };
}

async function fairness(
  context: BenchContext,
  photo: BenchPhoto,
  maxInFlight: number,
  durationMs: number,
): Promise<FairnessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fairness-'));
  writeFileSync(join(dir, 'keys'), `polite:${POLITE_KEY}\nflood:${FLOOD_KEY}\n`);
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
    functionEnv: { API_KEYS_FILE: join(dir, 'keys'), KEY_MAX_IN_FLIGHT: String(maxInFlight) },
  });
  const url = `${stack.url}/?min_confidence=0&max_detections=${photo.bananas}&format=none`;
  try {
    await politeRun(url, photo, 2000); // warm-up
    const solo = await politeRun(url, photo, durationMs);
    const flood = { accepted: 0, refused: 0, other: 0 };
    const floodAgent = createAgent(FLOOD_CLIENTS);
    let stop = false;
    const flooding = Promise.all(
      Array.from({ length: FLOOD_CLIENTS }, async () => {
        while (!stop) {
          const answer = await postImage(url, photo.jpeg, {
            agent: floodAgent,
            headers: { authorization: `Bearer ${FLOOD_KEY}` },
            timeoutMs: 60_000,
          }).catch(() => ({ status: 0 }));
          if (answer.status === 200) flood.accepted += 1;
          else if (answer.status === 429) flood.refused += 1;
          else flood.other += 1;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the flood is under way
    const underFlood = await politeRun(url, photo, durationMs);
    stop = true;
    await flooding;
    floodAgent.destroy();
    const politeSoloMs = rounded(summarize(solo.ms));
    const politeUnderFloodMs = rounded(summarize(underFlood.ms));
    const p99Ratio = round2(politeUnderFloodMs.p99 / politeSoloMs.p99);
    return {
      limits: maxInFlight === 0 ? 'none (KEY_MAX_IN_FLIGHT=0)' : `KEY_MAX_IN_FLIGHT=${maxInFlight}`,
      politeSoloMs,
      politeUnderFloodMs,
      p99Ratio,
      politeFailures: solo.failures + underFlood.failures,
      flood,
      target: {
        p99RatioLimit: POLITE_LIMIT,
        met: p99Ratio <= POLITE_LIMIT && solo.failures + underFlood.failures === 0,
      },
    };
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runFairness(context: BenchContext): Promise<FairnessResult[]> {
  const photo = await context.photo(TARGET_PHOTO);
  const durationMs = context.scale(20_000, 5_000);
  await ensureBuilt();
  const results = [];
  // The default, a tight share, and none.
  for (const maxInFlight of [8, 2, 0])
    results.push(await fairness(context, photo, maxInFlight, durationMs));
  printTables([
    {
      title: `Fairness: one polite key (one photo at a time, ${photo.name}) while another key floods with ${FLOOD_CLIENTS} clients`,
      header: [
        'per-key limit',
        'polite p50 alone',
        'polite p99 alone',
        'polite p50 under flood',
        'polite p99 under flood',
        'p99 ratio',
        'polite failures',
        'flood 200 / 429 / other',
        `target (ratio ≤ ${POLITE_LIMIT})`,
      ],
      rows: results.map((r) => [
        r.limits,
        r.politeSoloMs.p50,
        r.politeSoloMs.p99,
        r.politeUnderFloodMs.p50,
        r.politeUnderFloodMs.p99,
        r.p99Ratio,
        r.politeFailures,
        `${r.flood.accepted} / ${r.flood.refused} / ${r.flood.other}`,
        yesNo(r.target.met),
      ]),
    },
  ]);
  writeResult(
    'fairness',
    {
      intraOpThreads: context.intraOpThreads,
      quick: context.quick,
      processes:
        'function, detector, classifier: one compiled (dist/) process each, a fresh stack per row',
      clients: `1 polite closed-loop client; ${FLOOD_CLIENTS} flooding closed-loop clients without back-off`,
    },
    results,
  );
  return results;
}

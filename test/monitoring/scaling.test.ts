// Live (c): independent scaling on one machine. With 1 detector and 3 classifier replicas
// (real processes, the function's client balancing round-robin over them), classify calls
// spread evenly, and stopping one classifier loses no request beyond those in flight.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalStack, type LocalStack, type Replica } from '../../scripts/local-stack/stack.js';
import { scrape, total } from './prom-text.js';
import { photos, sendMany } from './traffic.js';

const SPREAD_REQUESTS = 60;
const STOP_REQUESTS = 60;
const STOP_AFTER = 15;
const CONCURRENCY = 3;

let stack: LocalStack;
let images: Buffer[];

/** Calls a classifier replica has answered so far (all methods, all codes). */
async function served(r: Replica): Promise<number> {
  return total(await scrape(r.metricsUrl), 'banana_grpc_requests_total', { service: r.service });
}

before(async () => {
  stack = await startLocalStack({
    detectorReplicas: 1,
    classifierReplicas: 3,
    logLevel: 'warn',
  });
  images = await photos(6);
  // warm-up: every connection established, caches filled
  const warm = await sendMany(stack.functionUrl, images, 6, CONCURRENCY);
  assert.deepEqual(
    warm.filter((o) => o.status !== 200),
    [],
  );
});

after(async () => {
  await stack.stop();
});

describe('(c) independent scaling: 1 detector + 3 classifiers', () => {
  it('spreads the classifier calls over all three replicas, each within 20% of a third', async (t) => {
    const before0 = await Promise.all(stack.classifiers.map(served));
    const detector = stack.detectors[0];
    assert.ok(detector);
    const det0 = await served(detector);
    const outcomes = await sendMany(stack.functionUrl, images, SPREAD_REQUESTS, CONCURRENCY);
    assert.deepEqual(
      outcomes.filter((o) => o.status !== 200),
      [],
    );
    const after0 = await Promise.all(stack.classifiers.map(served));
    const deltas = after0.map((v, i) => v - (before0[i] ?? 0));
    const sum = deltas.reduce((a, b) => a + b, 0);
    assert.ok(
      sum >= SPREAD_REQUESTS,
      `only ${String(sum)} classifier calls for ${String(SPREAD_REQUESTS)} requests`,
    );
    const third = sum / 3;
    t.diagnostic(`classifier calls per replica: ${deltas.join(', ')} (total ${String(sum)})`);
    for (const [i, d] of deltas.entries()) {
      assert.ok(
        Math.abs(d - third) <= 0.2 * third,
        `classifier-${String(i)} served ${String(d)} of ${String(sum)} (a third is ${third.toFixed(1)}); all: ${deltas.join(', ')}`,
      );
    }
    // the single detector took every detect call
    assert.equal((await served(detector)) - det0, SPREAD_REQUESTS);
  });

  it('stopping one classifier replica loses no request beyond those in flight', async (t) => {
    const victim = stack.classifiers[1];
    assert.ok(victim);
    const survivors = stack.classifiers.filter((r) => r !== victim);
    const survivorsBefore = await Promise.all(survivors.map(served));
    let done = 0;
    let inFlightAtStop = -1;
    let exit: Promise<number | null> | undefined;
    const outcomes = await sendMany(
      stack.functionUrl,
      images,
      STOP_REQUESTS,
      CONCURRENCY,
      (_o, inFlight) => {
        done++;
        if (done === STOP_AFTER) {
          inFlightAtStop = inFlight; // requests started and not finished when the replica gets SIGTERM
          exit = victim.stop('SIGTERM');
        }
      },
    );
    assert.ok(exit, 'the replica was never stopped');
    const code = await exit;
    assert.equal(
      code,
      0,
      `the stopped replica exited with ${String(code)} (expected a graceful exit)`,
    );
    const failed = outcomes.filter((o) => o.status !== 200);
    t.diagnostic(
      `${String(failed.length)} of ${String(STOP_REQUESTS)} requests failed; ${String(inFlightAtStop)} were in flight at SIGTERM`,
    );
    assert.ok(
      failed.length <= inFlightAtStop,
      `${String(failed.length)} requests failed, more than the ${String(inFlightAtStop)} in flight at SIGTERM: ${JSON.stringify(failed.slice(0, 3))}`,
    );
    // once it is gone, everything succeeds on the other two, and both take part
    assert.deepEqual(
      outcomes.slice(-STOP_REQUESTS / 2).filter((o) => o.status !== 200),
      [],
    );
    const survivorsAfter = await Promise.all(survivors.map(served));
    for (const [i, v] of survivorsAfter.entries()) {
      assert.ok(
        v - (survivorsBefore[i] ?? 0) >= (STOP_REQUESTS - STOP_AFTER) / 4,
        `a surviving replica got too little traffic`,
      );
    }
    assert.equal(victim.running, false);
  });
});

// A model service stopped in the middle of a run: the function answers 503 (not a hang, not
// a 500), reports not ready, and recovers by itself once the replicas are back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import type { Replica } from '../../scripts/local-stack/stack.js';
import { assertError, assertWellFormed, post } from './answers.js';
import { ALL_CANDIDATES, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

const stack = useLocalStack({ detectorReplicas: 2, classifierReplicas: 1 });
const SIZE = { width: 640, height: 480 };
const classify = async () =>
  post(`${stack().functionUrl}/?${ALL_CANDIDATES}&format=none`, {
    body: await syntheticBananaPhoto({ ...SIZE, bananas: 3 }),
    headers: { 'content-type': 'image/jpeg' },
  });

const readiness = async () => (await fetch(`${stack().functionUrl}/_/ready`)).status;

async function outage(replicas: Replica[], service: string): Promise<void> {
  assert.equal((await classify()).status, 200);
  await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
  assert.ok(replicas.every((r) => !r.running));

  assertError(
    await classify(),
    503,
    'upstream_unavailable',
    new RegExp(`the ${service} service is unavailable`),
  );
  assert.equal(await readiness(), 503);

  await Promise.all(replicas.map((r) => r.restart()));
  const recovered = await eventually('a 200 after the restart', classify, (r) => r.status === 200);
  await assertWellFormed(recovered.body, SIZE);
  assert.equal(await readiness(), 200);
}

describe('a model service stopped mid-run', () => {
  it('detector: 503 while both replicas are down, then recovery', async () => {
    await outage(stack().detectors, 'detector');
  });

  it('classifier: 503 while it is down, then recovery', async () => {
    await outage(stack().classifiers, 'classifier');
  });

  it('one detector replica of two down: requests keep succeeding on the other', async () => {
    const [first] = stack().detectors;
    assert.ok(first);
    await first.stop('SIGKILL');
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push((await classify()).status);
    assert.deepEqual(results, [200, 200, 200, 200]);
    await first.restart();
  });

  it('counts the failed calls', async () => {
    const metrics = await (await fetch(`${stack().functionUrl}/metrics`)).text();
    assert.match(
      metrics,
      /banana_function_upstream_errors_total\{service="detector",code="UNAVAILABLE"\} [1-9]/,
    );
    assert.match(
      metrics,
      /banana_function_upstream_errors_total\{service="classifier",code="UNAVAILABLE"\} [1-9]/,
    );
    assert.match(metrics, /banana_function_requests_total\{code="503"\} [1-9]/);
  });
});

// Load shedding: with a pixel budget that admits one photo at a time and room for two to
// wait, a burst of concurrent photos gets 200s and 429s (Retry-After, JSON error), never a
// 5xx, and once the burst is over every request succeeds again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FunctionServer } from '../../function/src/server.js';
import { assertError, assertWellFormed, post } from './answers.js';
import { ALL_CANDIDATES, startSecondFunction, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

const stack = useLocalStack();
const SIZE = { width: 640, height: 480 };
const BURST = 24;

describe('load shedding', () => {
  let fn: FunctionServer | undefined;
  before(async () => {
    fn = await startSecondFunction(stack(), {
      maxInflightPixels: 1,
      maxWaiting: 2,
      maxQueueWaitMs: 20_000,
    });
  });
  after(async () => fn?.close());
  const url = () => `${(fn as FunctionServer).url}/?${ALL_CANDIDATES}&format=none`;
  const classify = async (seed: number) =>
    post(url(), {
      body: await syntheticBananaPhoto({ ...SIZE, bananas: 2, seed }),
      headers: { 'content-type': 'image/jpeg' },
    });

  it('answers a burst with 200s and 429s (Retry-After, JSON error), no 5xx', async () => {
    const results = await Promise.all(Array.from({ length: BURST }, (_, i) => classify(i)));
    const statuses = results.map((r) => r.status);
    assert.deepEqual(
      statuses.filter((s) => s !== 200 && s !== 429),
      [],
      `statuses: ${statuses.join(' ')}`,
    );
    const shed = results.filter((r) => r.status === 429);
    assert.ok(shed.length > 0, `no request was shed: ${statuses.join(' ')}`);
    assert.ok(shed.length < BURST, 'every request was shed');
    for (const refused of shed) {
      assertError(refused, 429, 'overloaded', /try again shortly/);
      assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    }
    for (const served of results.filter((r) => r.status === 200))
      await assertWellFormed(served.body, SIZE);
  });

  it('serves every request once the burst is over, and counts the shed ones', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await classify(100 + i)).status, 200);
    const metrics = await (await fetch(`${(fn as FunctionServer).url}/metrics`)).text();
    assert.match(metrics, /banana_function_shed_total\{reason="queue_full"\} [1-9]/);
    assert.match(metrics, /banana_function_requests_total\{code="429"\} [1-9]/);
    assert.doesNotMatch(metrics, /banana_function_requests_total\{code="5\d\d"\} [1-9]/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetRefusal, createPixelBudget } from './pixel-budget.js';

const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('createPixelBudget', () => {
  it('admits while the pixels fit, then first come first served', async () => {
    const budget = createPixelBudget(10);
    const releaseA = await budget.acquire(6);
    const b = budget.acquire(5);
    const c = budget.acquire(1);
    assert.equal(await settled(b), false, 'b does not fit');
    assert.equal(await settled(c), false, 'c fits but waits behind b');
    assert.equal(budget.waiting, 2);
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    assert.equal(budget.inUse, 6);
    releaseB();
    releaseC();
    releaseC();
    assert.equal(budget.inUse, 0, 'a second release is ignored');
  });

  it('runs a photo larger than the whole budget alone', async () => {
    const budget = createPixelBudget(10);
    const releaseSmall = await budget.acquire(2);
    const huge = budget.acquire(50);
    assert.equal(await settled(huge), false);
    releaseSmall();
    const releaseHuge = await huge;
    const next = budget.acquire(1);
    assert.equal(await settled(next), false, 'nothing runs next to it');
    releaseHuge();
    (await next)();
  });

  it('drops a waiter whose client went away', async () => {
    const budget = createPixelBudget(10);
    const release = await budget.acquire(10);
    const gone = new AbortController();
    const waiting = budget.acquire(5, gone.signal);
    gone.abort(new Error('client went away'));
    await assert.rejects(waiting, /client went away/);
    assert.equal(budget.waiting, 0);
    release();
    assert.equal(budget.inUse, 0);
  });

  it('refuses at once when maxWaiting photos already wait, and admits again once there is room', async () => {
    const budget = createPixelBudget(10, { maxWaiting: 1, maxWaitMs: 60_000 });
    const release = await budget.acquire(10);
    assert.equal(budget.full, false);
    const first = budget.acquire(5);
    assert.equal(budget.full, true);
    await assert.rejects(
      budget.acquire(5),
      (error: unknown) => error instanceof BudgetRefusal && error.reason === 'queue_full',
    );
    assert.equal(budget.waiting, 1, 'the refused photo never queued');
    release();
    (await first)();
    assert.equal(budget.full, false);
    (await budget.acquire(5))();
    assert.equal(budget.inUse, 0);
  });

  it('refuses a photo that waited longer than maxWaitMs, and lets the next one in', async () => {
    const budget = createPixelBudget(10, { maxWaiting: 5, maxWaitMs: 20 });
    const release = await budget.acquire(10);
    await assert.rejects(
      budget.acquire(5),
      (error: unknown) => error instanceof BudgetRefusal && error.reason === 'wait_timeout',
    );
    assert.equal(budget.waiting, 0);
    release();
    (await budget.acquire(5))();
  });

  it('with maxWaiting 0 refuses every photo that does not fit at once', async () => {
    const budget = createPixelBudget(10, { maxWaiting: 0, maxWaitMs: 1000 });
    assert.equal(budget.full, false, 'a photo that fits is not refused before its size is known');
    const release = await budget.acquire(6);
    const fits = await budget.acquire(4);
    await assert.rejects(budget.acquire(1), BudgetRefusal);
    release();
    fits();
  });
});

describe('createPixelBudget: a waiter that leaves lets the ones behind it in', () => {
  it('admits a small photo waiting behind a large one that aborts, without any release', async () => {
    const budget = createPixelBudget(10);
    const release = await budget.acquire(6);
    const gone = new AbortController();
    const large = budget.acquire(8, gone.signal);
    const small = budget.acquire(2);
    assert.equal(await settled(small), false, 'the small photo waits behind the large one');
    gone.abort(new Error('client went away'));
    await assert.rejects(large, /client went away/);
    assert.equal(await settled(small), true, 'the small photo is admitted once the large one left');
    assert.equal(budget.inUse, 8);
    (await small)();
    release();
    assert.equal(budget.inUse, 0);
  });

  it('admits a small photo waiting behind a large one that times out, without any release', async () => {
    const budget = createPixelBudget(10, { maxWaitMs: 100 });
    const release = await budget.acquire(6);
    const large = budget.acquire(8);
    const timedOut = assert.rejects(
      large,
      (error: unknown) => error instanceof BudgetRefusal && error.reason === 'wait_timeout',
    );
    // Queued 60 ms later: its own timeout comes 60 ms after the large photo's.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const small = budget.acquire(2);
    await timedOut;
    // Still 60 ms before its own timeout: admitted now, or never.
    assert.equal(await settled(small), true, 'the small photo is admitted once the large one left');
    assert.equal(budget.inUse, 8);
    (await small)();
    release();
    assert.equal(budget.inUse, 0);
  });
});

describe('createPixelBudget with maxWaiting', () => {
  it('refuses a request when maxWaiting already wait, admits again once the queue drains', async () => {
    const budget = createPixelBudget(10, { maxWaiting: 1 });
    const releaseA = await budget.acquire(8);
    const b = budget.acquire(5);
    await assert.rejects(budget.acquire(1), (error: unknown) => {
      assert.ok(error instanceof BudgetRefusal);
      assert.equal(error.reason, 'queue_full');
      assert.equal(error.waiting, 1);
      assert.match(error.message, /1 requests already wait/);
      return true;
    });
    assert.equal(budget.peak, 8);
    releaseA();
    const releaseB = await b;
    const releaseC = await budget.acquire(5);
    assert.equal(budget.inUse, 10);
    assert.equal(budget.peak, 10);
    releaseB();
    releaseC();
    assert.equal(budget.inUse, 0);
    assert.equal(budget.limit, 10);
  });
});

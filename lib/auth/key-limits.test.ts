import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeyLimits, type KeyAdmission } from './key-limits.js';

const ok = (admission: KeyAdmission) => {
  assert.ok(admission.ok, admission.ok ? '' : admission.message);
  return admission;
};

describe('per-key limits', () => {
  it('admits at most maxInFlight requests of one key at once, whatever the other keys do', () => {
    const refused: string[] = [];
    const limits = createKeyLimits(
      { maxInFlight: 2, ratePerSecond: 0, burst: 0 },
      { onRefused: (name, limit) => refused.push(`${name} ${limit}`) },
    );
    const first = ok(limits.admit('flood'));
    ok(limits.admit('flood'));
    const third = limits.admit('flood');
    assert.deepEqual(third, {
      ok: false,
      limit: 'in_flight',
      message:
        'the API key "flood" already has 2 requests in flight, its limit (KEY_MAX_IN_FLIGHT); send fewer at once',
      retryAfterSeconds: 1,
    });
    ok(limits.admit('polite'));
    assert.deepEqual(Object.fromEntries(limits.inFlight()), { flood: 2, polite: 1 });
    first.release();
    first.release(); // a second release counts once
    ok(limits.admit('flood'));
    assert.equal(limits.admit('flood').ok, false);
    assert.deepEqual(refused, ['flood in_flight', 'flood in_flight']);
  });

  it('refills each key its own bucket at ratePerSecond up to burst, and says when to retry', () => {
    let t = 0;
    const limits = createKeyLimits(
      { maxInFlight: 0, ratePerSecond: 2, burst: 3 },
      { now: () => t },
    );
    for (let i = 0; i < 3; i += 1) ok(limits.admit('a')).release();
    const empty = limits.admit('a');
    assert.ok(!empty.ok);
    assert.equal(empty.limit, 'rate');
    assert.equal(empty.retryAfterSeconds, 1);
    assert.match(
      empty.message,
      /above its rate of 2 requests\/s \(KEY_RATE_PER_S, bursts of 3: KEY_BURST\)/,
    );
    ok(limits.admit('b')).release(); // another key has its own bucket
    t = 500; // half a second: one token
    ok(limits.admit('a')).release();
    assert.equal(limits.admit('a').ok, false);
    t = 60_000; // a long pause refills to burst, not beyond
    for (let i = 0; i < 3; i += 1) ok(limits.admit('a')).release();
    assert.equal(limits.admit('a').ok, false);
  });

  it('limits nothing with both limits at 0', () => {
    const limits = createKeyLimits({ maxInFlight: 0, ratePerSecond: 0, burst: 0 });
    for (let i = 0; i < 1000; i += 1) ok(limits.admit('a'));
  });

  it('limits no key named exempt (the function calling a service for every user)', () => {
    const limits = createKeyLimits({
      maxInFlight: 1,
      ratePerSecond: 1,
      burst: 1,
      exempt: ['function'],
    });
    for (let i = 0; i < 10; i += 1) ok(limits.admit('function'));
    ok(limits.admit('direct'));
    assert.equal(limits.admit('direct').ok, false);
    assert.deepEqual(Object.fromEntries(limits.inFlight()), { direct: 1 });
  });
});

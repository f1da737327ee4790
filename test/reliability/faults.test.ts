// Faults under load, each process a real child process: the classifier SIGKILLed mid-run (503s
// only for the requests that needed it, nothing hangs past its deadline, full recovery after a
// restart), the detector frozen with SIGSTOP past the deadline (504, then recovery on SIGCONT),
// and the function SIGTERMed with requests in flight (they all complete; it exits 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnComponent } from '../../scripts/lib/launcher.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { eventually } from '../support/eventually.js';
import { assertAllAlive, useProcessStack } from './fixture.js';
import { sendRaw, type RawAnswer } from './raw-http.js';

const DEADLINE_MS = 2000;
/** A request may spend a full deadline on each model call, plus its own processing. */
const REQUEST_BOUND_MS = 2 * DEADLINE_MS + 2500;
const CONCURRENCY = 4;

interface Outcome {
  started: number;
  ended: number;
  status: number;
  code?: string;
  message?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('faults under load', () => {
  const stack = useProcessStack({
    functionEnv: {
      DETECT_DEADLINE_MS: String(DEADLINE_MS),
      CLASSIFY_DEADLINE_MS: String(DEADLINE_MS),
    },
  });
  let photo: Buffer | undefined;
  const photoBytes = async () =>
    (photo ??= await syntheticBananaPhoto({ width: 480, height: 360, bananas: 2 }));
  const classify = async (
    query = 'min_confidence=0&max_detections=2&format=none',
  ): Promise<RawAnswer> => {
    const body = await photoBytes();
    return sendRaw(stack().url, {
      path: `/?${query}`,
      headers: { 'content-type': 'image/jpeg' },
      body,
      timeoutMs: REQUEST_BOUND_MS,
    });
  };
  const outcome = async (started: number): Promise<Outcome> => {
    const answer = await classify();
    const body = JSON.parse(answer.text) as { error?: { code: string; message: string } };
    return {
      started,
      ended: performance.now(),
      status: answer.status,
      code: body.error?.code,
      message: body.error?.message,
    };
  };
  const readiness = async () =>
    (await sendRaw(stack().url, { method: 'GET', path: '/_/ready', timeoutMs: 5000 })).status;

  /** Closed-loop load until `stop()`; every outcome recorded (a client timeout rejects the test). */
  function startLoad() {
    const outcomes: Outcome[] = [];
    let running = true;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (running) outcomes.push(await outcome(performance.now()));
    });
    return {
      outcomes,
      async stop() {
        running = false;
        await Promise.all(workers);
        return outcomes;
      },
    };
  }

  it('classifier SIGKILLed under load: only 503s, none past the deadline, full recovery after restart', async () => {
    assert.equal((await classify()).status, 200);
    const others = [stack().function.pid, stack().detector.pid];
    const load = startLoad();
    await sleep(1500);
    const killedAt = performance.now();
    await stack().classifier.process.stop('SIGKILL');

    await sleep(1000);
    // A photo without bananas needs no classification: it is not affected by the outage.
    const noBananas = await classify('min_confidence=1&format=none');
    assert.equal(noBananas.status, 200, noBananas.text);
    assert.equal(await readiness(), 503);

    await stack().classifier.restart();
    const restartedAt = performance.now();
    await eventually(
      'a 200 after the restart',
      classify,
      (answer) => answer.status === 200,
      15_000,
    );
    const recoveredAt = performance.now();
    await sleep(1000);
    const outcomes = await load.stop();

    const failures = outcomes.filter((o) => o.status !== 200);
    assert.ok(failures.length > 0, 'the outage must have failed some requests');
    for (const failure of failures) {
      assert.equal(failure.status, 503, JSON.stringify(failure));
      assert.equal(failure.code, 'upstream_unavailable');
      assert.match(failure.message ?? '', /classifier service/);
      assert.ok(failure.ended >= killedAt, 'no failure before the kill');
    }
    const slowest = Math.max(...outcomes.map((o) => o.ended - o.started));
    assert.ok(slowest < REQUEST_BOUND_MS, `a request took ${Math.round(slowest)} ms`);
    assert.ok(
      outcomes.some((o) => o.ended < killedAt && o.status === 200),
      'requests succeeded before the kill',
    );
    const afterRecovery = outcomes.filter((o) => o.started > recoveredAt);
    assert.ok(afterRecovery.length >= CONCURRENCY, 'load continued after the recovery');
    assert.deepEqual(
      afterRecovery.filter((o) => o.status !== 200),
      [],
      'every request after the recovery succeeded',
    );

    assert.equal(await readiness(), 200);
    assert.deepEqual(
      [stack().function.pid, stack().detector.pid],
      others,
      'the other processes kept running',
    );
    assertAllAlive(stack());
    console.log(
      `classifier outage: ${outcomes.length} requests, ${failures.length} x 503, back ${Math.round(recoveredAt - restartedAt)} ms after serving again, slowest ${Math.round(slowest)} ms`,
    );
  });

  it('detector frozen (SIGSTOP) past the deadline: 504 within the deadline, recovery on SIGCONT', async () => {
    assert.equal((await classify()).status, 200);
    const detectorPid = stack().detector.pid;
    process.kill(detectorPid, 'SIGSTOP');
    let answers: RawAnswer[];
    try {
      answers = await Promise.all(Array.from({ length: CONCURRENCY }, () => classify()));
    } finally {
      process.kill(detectorPid, 'SIGCONT');
    }
    for (const answer of answers) {
      assert.equal(answer.status, 504, answer.text);
      assert.match(
        answer.text,
        /"upstream_timeout".*detector service did not answer within 2000 ms/,
      );
      assert.ok(
        answer.ms >= DEADLINE_MS - 50 && answer.ms < DEADLINE_MS + 2000,
        `answered after ${Math.round(answer.ms)} ms`,
      );
    }
    await eventually('a 200 after SIGCONT', classify, (answer) => answer.status === 200, 15_000);
    const again = await Promise.all(Array.from({ length: CONCURRENCY }, () => classify()));
    assert.deepEqual(
      again.map((a) => a.status),
      Array(CONCURRENCY).fill(200),
    );
    assertAllAlive(stack());
  });

  it('function SIGTERMed with requests in flight: they all complete, new connections are refused, exit 0', async () => {
    // A second function on the same services, with a deadline long enough to hold requests in flight.
    const fn = await spawnComponent({
      component: 'function',
      env: {
        DETECTOR_ADDR: `127.0.0.1:${stack().detector.port}`,
        CLASSIFIER_ADDR: `127.0.0.1:${stack().classifier.port}`,
        DETECT_DEADLINE_MS: '30000',
        SHUTDOWN_GRACE_MS: '20000',
      },
    });
    const url = `http://127.0.0.1:${fn.port}`;
    const body = await photoBytes();
    const post = () =>
      sendRaw(url, {
        path: '/?min_confidence=0&max_detections=2',
        headers: { 'content-type': 'image/jpeg' },
        body,
        timeoutMs: 30_000,
      });
    try {
      assert.equal((await post()).status, 200);
      // Freeze the detector so that every request is certainly in flight (waiting on Detect).
      process.kill(stack().detector.pid, 'SIGSTOP');
      let inFlight: Array<Promise<RawAnswer>>;
      try {
        inFlight = Array.from({ length: 6 }, () => post());
        await sleep(1500);
        fn.child.kill('SIGTERM');
        await sleep(500);
        assert.ok(fn.running, 'the function must wait for its in-flight requests');
        await assert.rejects(
          post(),
          /ECONNREFUSED/,
          'a draining function accepts no new connection',
        );
      } finally {
        process.kill(stack().detector.pid, 'SIGCONT');
      }
      const answers = await Promise.all(inFlight);
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(6).fill(200),
        answers.map((a) => a.text.slice(0, 200)).join('\n'),
      );
      for (const answer of answers)
        assert.ok(
          (JSON.parse(answer.text) as { img?: string }).img,
          'the annotated photo came back',
        );
      assert.equal(await fn.exited, 0, 'exit code after draining');
    } finally {
      await fn.stop('SIGKILL');
    }
    assertAllAlive(stack());
  });
});

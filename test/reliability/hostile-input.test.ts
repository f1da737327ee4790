// Hostile and odd inputs: each gets its documented answer (4xx with a JSON error, or 200 for odd
// but supported images); the same bytes sent straight to the model services over gRPC are
// refused with INVALID_ARGUMENT, never crash them; afterwards every process still runs (same
// pids) and serves, and no process wrote a file while handling any of it. API keys are on
// (API_KEYS_FILE on all three processes): the corpus is sent with a valid key, and the same
// bytes without one are refused before they are looked at.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createClassifierClient,
  createDetectorClient,
  isServiceError,
  status,
} from '../../lib/client/index.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { watchDiskWrites, type DiskWatch } from './disk-watch.js';
import { assertAllAlive, useProcessStack } from './fixture.js';
import { HOSTILE_CASES, type HostileCase } from './hostile-corpus.js';
import { sendRaw, type RawAnswer } from './raw-http.js';

const keysDir = mkdtempSync(join(tmpdir(), 'hostile-keys-'));
/** The key this test sends to the function, and the one the function and this test send to the services. */
const CALLER_KEY = randomBytes(24).toString('hex');
const SERVICE_KEY = randomBytes(24).toString('hex');
writeFileSync(join(keysDir, 'callers'), `hostile-test:${CALLER_KEY}\n`);
writeFileSync(join(keysDir, 'services'), `function:${SERVICE_KEY}\n`);
const withKey = <R extends { headers?: Record<string, string> }>(request: R): R => ({
  ...request,
  headers: { ...request.headers, authorization: `Bearer ${CALLER_KEY}` },
});

describe('hostile input against the whole stack', () => {
  const stack = useProcessStack({
    serviceEnv: { API_KEYS_FILE: join(keysDir, 'services') },
    functionEnv: { API_KEYS_FILE: join(keysDir, 'callers'), GRPC_API_KEY: SERVICE_KEY },
  });
  let pids: number[] = [];
  let diskWatch: DiskWatch | undefined;

  function assertAnswer(testCase: HostileCase, answer: RawAnswer): void {
    const context = `${testCase.name}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`;
    assert.equal(answer.status, testCase.status, context);
    assert.match(String(answer.headers['content-type']), /^application\/json/, context);
    const body = JSON.parse(answer.text) as {
      error?: { code: string; message: string };
      detections?: unknown[];
      image?: { width: number; height: number };
    };
    if (testCase.status === 200) {
      assert.ok(Array.isArray(body.detections), context);
      assert.deepEqual(body.image, testCase.size, context);
      return;
    }
    assert.equal(body.error?.code, testCase.code, context);
    assert.equal(typeof body.error?.message, 'string', context);
    assert.doesNotMatch(
      answer.text,
      /\\n\s+at |node:internal|\/src\/.*\.ts/,
      `${context}: internals leaked`,
    );
  }

  const goodPhoto = () => syntheticBananaPhoto({ width: 640, height: 480, bananas: 2 });

  before(async () => {
    // One good request first, so that one-time initialisation (fonts, gRPC channels) is done.
    const warm = await sendRaw(
      stack().url,
      withKey({ headers: { 'content-type': 'image/jpeg' }, body: await goodPhoto() }),
    );
    assert.equal(warm.status, 200, warm.text);
    pids = stack()
      .all()
      .map((c) => c.pid);
    diskWatch = await watchDiskWrites(pids);
  });

  describe(`the function answers ${HOSTILE_CASES.length} kinds of hostile or odd input as documented`, () => {
    for (const testCase of HOSTILE_CASES) {
      it(`${testCase.name} -> ${testCase.status}${testCase.code ? ` ${testCase.code}` : ''}`, async () => {
        const request = await testCase.build();
        assertAnswer(
          testCase,
          await sendRaw(stack().url, withKey({ ...request, timeoutMs: 30_000 })),
        );
      });
    }

    it('answers all of them at once, concurrently, the same way', async () => {
      const answers = await Promise.all(
        HOSTILE_CASES.map(
          async (testCase) =>
            [
              testCase,
              await sendRaw(
                stack().url,
                withKey({ ...(await testCase.build()), timeoutMs: 60_000 }),
              ),
            ] as const,
        ),
      );
      for (const [testCase, answer] of answers) assertAnswer(testCase, answer);
    });
  });

  describe('the model services refuse the same bytes over gRPC, and keep serving', () => {
    const images = async () => {
      const bodies: Array<[string, Buffer]> = [];
      for (const testCase of HOSTILE_CASES) {
        if (testCase.status === 413) continue;
        bodies.push([testCase.name, (await testCase.build()).body]);
      }
      return bodies;
    };
    const expectRefusedOrServed = async (what: string, call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        assert.ok(isServiceError(error), `${what}: ${String(error)}`);
        assert.ok(
          [status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED].includes(error.code),
          `${what}: ${status[error.code]} ${error.details}`,
        );
      }
    };

    it('detector: Detect with each body as the image', async () => {
      const detector = createDetectorClient({
        target: `127.0.0.1:${stack().detector.port}`,
        apiKey: SERVICE_KEY,
      });
      try {
        for (const [name, body] of await images())
          await expectRefusedOrServed(name, () =>
            detector.detect({ image: body }, { deadlineMs: 20_000 }),
          );
        assert.ok((await detector.detect({ image: await goodPhoto() })).imageSize);
      } finally {
        detector.close();
      }
    });

    it('classifier: Classify with each body as an encoded crop, and with lying raw crops', async () => {
      const classifier = createClassifierClient({
        target: `127.0.0.1:${stack().classifier.port}`,
        apiKey: SERVICE_KEY,
      });
      try {
        for (const [name, body] of await images())
          await expectRefusedOrServed(name, () =>
            classifier.classify({ crops: [body] }, { deadlineMs: 20_000 }),
          );
        const lies = [
          { rgb: Buffer.alloc(10), width: 100, height: 100 },
          { rgb: Buffer.alloc(0), width: 0, height: 0 },
          { rgb: Buffer.alloc(3), width: 0xffffffff, height: 0xffffffff },
        ];
        for (const raw of lies) {
          await assert.rejects(
            classifier.classify({ rawCrops: [raw] }),
            (error: unknown) => isServiceError(error) && error.code === status.INVALID_ARGUMENT,
          );
        }
        await assert.rejects(
          classifier.classify({ rawCrops: [] }),
          (error: unknown) => isServiceError(error) && error.code === status.INVALID_ARGUMENT,
        );
        const ok = await classifier.classify({
          rawCrops: [{ rgb: Buffer.alloc(300, 200), width: 10, height: 10 }],
        });
        assert.equal(ok.results.length, 1);
      } finally {
        classifier.close();
      }
    });
  });

  describe('without a key', () => {
    it('the function answers 401 and the services UNAUTHENTICATED, for every body', async () => {
      const detector = createDetectorClient({ target: `127.0.0.1:${stack().detector.port}` });
      try {
        for (const testCase of HOSTILE_CASES.filter((c) => c.status !== 413).slice(0, 8)) {
          const request = await testCase.build();
          const answer = await sendRaw(stack().url, { ...request, timeoutMs: 30_000 });
          assert.equal(answer.status, 401, `${testCase.name}: ${answer.text.slice(0, 200)}`);
          assert.equal(
            (JSON.parse(answer.text) as { error: { code: string } }).error.code,
            'unauthenticated',
          );
          await assert.rejects(
            detector.detect({ image: request.body }),
            (error: unknown) => isServiceError(error) && error.code === status.UNAUTHENTICATED,
          );
        }
      } finally {
        detector.close();
      }
    });
  });

  describe('afterwards', () => {
    it('every process still runs with its original pid, and a good photo gets a 200', async () => {
      assertAllAlive(stack(), pids);
      const answer = await sendRaw(
        stack().url,
        withKey({ headers: { 'content-type': 'image/jpeg' }, body: await goodPhoto() }),
      );
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      const ready = await sendRaw(stack().url, { method: 'GET', path: '/_/ready' });
      assert.equal(ready.status, 200, ready.text);
    });

    it('no process wrote a file while handling any of it (no image reached the disk)', async (t) => {
      assert.ok(diskWatch, 'the disk watch did not start');
      const writes = await diskWatch.stop();
      t.diagnostic(`watched with ${diskWatch.method}`);
      assert.deepEqual(writes, []);
    });
  });

  after(async () => {
    // Stops strace if a test failed before the last one.
    await diskWatch?.stop().catch(() => undefined);
    rmSync(keysDir, { recursive: true, force: true });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadClassifierCard, type ClassifierCard } from '../model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { placeOnCanvas } from '../vision/canvas.js';
import { paddingTensor } from '../vision/tensor.js';
import type { RgbImage } from '../vision/types.js';
import { InferenceError, QueueFullError } from './errors.js';
import {
  startInferencePool,
  type InferencePool,
  type InferencePoolOptions,
} from './inference-pool.js';
import { packPixelBatch, type PixelBatch } from './messages.js';

const card: ClassifierCard = await loadClassifierCard(repoPath('models/classifier.json'));
const { width, height } = card.input;

/** A full-size crop whose pixels depend on `seed`. */
function crop(seed: number, w = width, h = height): RgbImage {
  return {
    data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * seed) % 256),
    width: w,
    height: h,
  };
}

/** `count` full-size crops as one job. */
function crops(count: number, seed = 1): PixelBatch {
  return packPixelBatch(
    Array.from({ length: count }, (_, n) => ({ image: crop(seed + n), left: 0, top: 0 })),
  );
}

function startPool(options: Partial<InferencePoolOptions> = {}): Promise<InferencePool> {
  return startInferencePool({
    modelPath: repoPath('models/classifier.onnx'),
    inputName: card.input.name,
    outputName: card.output.name,
    intraOpThreads: 1,
    workers: 1,
    maxQueue: 1,
    maxBatch: 64,
    maxBatchDelayMs: 0,
    warmUpInput: paddingTensor(card.input),
    imageInput: card.input,
    ...options,
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    assert.ok(
      Math.abs(value - (expected[i] as number)) <= tolerance,
      `index ${i}: ${value} vs ${expected[i]}`,
    );
  });
}

describe('inference pool (real classifier model, no batching delay)', () => {
  let pool: InferencePool;
  before(async () => {
    pool = await startPool();
  });
  after(() => pool.close());

  it('runs a job of several images and transfers the pixel buffer instead of copying it', async () => {
    const input = crops(3);
    const result = await pool.run(input);
    assert.equal(input.pixels.byteLength, 0, 'pixel buffer was transferred');
    assert.deepEqual(result.output.dims, [3, card.classes.length]);
    assert.equal(result.output.data.length, 3 * card.classes.length);
    assert.equal(result.batchSize, 3);
    assert.ok(result.inferenceSeconds > 0 && result.queueSeconds >= 0);
  });

  it('pads a smaller image placed on the input exactly as a padded canvas', async () => {
    const small = crop(5, 100, 128);
    const placed = await pool.run(packPixelBatch([{ image: small, left: 14, top: 0 }]));
    const canvas = placeOnCanvas(small, card.input, 14, 0, card.input.padValue);
    const padded = await pool.run(packPixelBatch([{ image: canvas, left: 0, top: 0 }]));
    assert.deepEqual(placed.output, padded.output);
    assert.ok(placed.preprocessSeconds > 0, 'placing the image was timed');
  });

  it('queues up to maxQueue jobs behind a busy worker and refuses the next one', async () => {
    const running = pool.run(crops(8));
    const queued = pool.run(crops(8));
    assert.equal(pool.inFlight, 1);
    assert.equal(pool.queueDepth, 1);
    await assert.rejects(pool.run(crops(1)), QueueFullError);
    const [first, second] = await Promise.all([running, queued]);
    assert.equal(first.output.dims[0], 8);
    assert.ok(second.queueSeconds > 0, 'the second job waited');
    assert.equal(pool.queueDepth, 0);
    assert.equal(pool.inFlight, 0);
  });

  it('reports an input that does not fit as InferenceError and keeps working', async () => {
    const tooWide = packPixelBatch([{ image: crop(1, width + 1, 2), left: 0, top: 0 }]);
    await assert.rejects(pool.run(tooWide), (error: unknown) => {
      assert.ok(error instanceof InferenceError);
      assert.match(error.message, /does not fit the 128x128 model input/);
      return true;
    });
    const result = await pool.run(crops(1));
    assert.equal(result.output.dims[0], 1);
  });
});

describe('cross-request batching', () => {
  let pool: InferencePool;
  before(async () => {
    // A long delay makes "arrive together" deterministic; a full batch starts at once.
    pool = await startPool({ maxBatch: 4, maxBatchDelayMs: 200, maxQueue: 4 });
  });
  after(() => pool.close());

  it('runs two concurrent requests as one model call, each caller getting its own rows', async () => {
    const alone = { a: await pool.run(crops(1, 10)), b: await pool.run(crops(2, 20)) };
    assert.equal(alone.a.batchSize, 1);
    assert.equal(alone.b.batchSize, 2);
    const [a, b] = await Promise.all([pool.run(crops(1, 10)), pool.run(crops(2, 20))]);
    assert.equal(a.batchSize, 3, 'one model call of 3 images');
    assert.equal(b.batchSize, 3);
    assert.deepEqual(a.output.dims, [1, card.classes.length]);
    assert.deepEqual(b.output.dims, [2, card.classes.length]);
    assertClose(a.output.data, alone.a.output.data);
    assertClose(b.output.data, alone.b.output.data);
  });

  it('never exceeds maxBatch images in one call', async () => {
    const results = await Promise.all([pool.run(crops(2)), pool.run(crops(2)), pool.run(crops(3))]);
    assert.deepEqual(
      results.map((r) => r.batchSize),
      [4, 4, 3],
    );
  });

  it('fails a bad request alone: its batch-mates get their results', async () => {
    const tooWide = packPixelBatch([{ image: crop(1, width + 1, 2), left: 0, top: 0 }]);
    const [good, bad, alsoGood] = await Promise.allSettled([
      pool.run(crops(1, 30)),
      pool.run(tooWide),
      pool.run(crops(1, 40)),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.ok(bad.reason instanceof InferenceError);
    assert.equal(good.status, 'fulfilled');
    assert.equal(alsoGood.status, 'fulfilled');
    assert.equal(good.value.batchSize, 2, 'the two good requests still ran together');
    assert.deepEqual(alsoGood.value.output.dims, [1, card.classes.length]);
  });

  it('drops a caller cancelled while waiting from the batch; the others run', async () => {
    const cancel = new AbortController();
    const cancelled = pool.run(crops(1), { signal: cancel.signal });
    const kept = pool.run(crops(2));
    cancel.abort();
    await assert.rejects(cancelled, { name: 'AbortError' });
    const result = await kept;
    assert.equal(result.batchSize, 2, 'the cancelled request left the batch');
  });
});

describe('a long MAX_BATCH_DELAY_MS (5 s)', () => {
  const DELAY_MS = 5000;
  let pool: InferencePool;
  before(async () => {
    pool = await startPool({ maxBatch: 4, maxBatchDelayMs: DELAY_MS, maxQueue: 8 });
  });
  after(() => pool.close());

  /** Which comes first: the promise, or half the batch delay. */
  function raceHalfTheDelay<T>(promise: Promise<T>): Promise<'settled' | 'still waiting'> {
    let timer: NodeJS.Timeout | undefined;
    const halfway = new Promise<'still waiting'>((resolve) => {
      timer = setTimeout(() => {
        resolve('still waiting');
      }, DELAY_MS / 2);
    });
    return Promise.race([
      promise.then(
        () => 'settled' as const,
        () => 'settled' as const,
      ),
      halfway,
    ]).finally(() => {
      clearTimeout(timer);
    });
  }

  it('runs a full batch at once, without waiting for the delay', async () => {
    // 1 image waits for batch-mates; 2 + 1 more make the batch full (4): it must start now.
    const jobs = [pool.run(crops(1, 3)), pool.run(crops(2, 5)), pool.run(crops(1, 7))];
    assert.equal(await raceHalfTheDelay(Promise.all(jobs)), 'settled');
    assert.deepEqual(
      (await Promise.all(jobs)).map((r) => r.batchSize),
      [4, 4, 4],
    );
  });

  it('holds a batch that is not full for the delay', async () => {
    const lone = pool.run(crops(3, 9));
    lone.catch(() => undefined);
    assert.equal(await raceHalfTheDelay(lone), 'still waiting');
    // The fourth image fills the batch: both run at once.
    const filler = pool.run(crops(1, 11));
    assert.equal(await raceHalfTheDelay(Promise.all([lone, filler])), 'settled');
    assert.equal((await lone).batchSize, 4);
  });
});

describe('a caller cancelled during its model call', () => {
  it('gets its rejection at once; its batch-mate gets its results and the pool keeps working', async () => {
    const pool = await startPool({ maxBatch: 64, maxBatchDelayMs: 0, maxQueue: 4 });
    try {
      const busy = pool.run(crops(32));
      const cancel = new AbortController();
      const cancelled = pool.run(crops(8), { signal: cancel.signal });
      const mate = pool.run(crops(8, 50));
      const waiting = () => pool.queueDepth;
      assert.equal(waiting(), 2);
      await busy;
      // The busy call's end starts the next call, with both waiting jobs, before `busy` resolves.
      assert.equal(waiting(), 0);
      assert.equal(pool.inFlight, 1, 'both queued jobs are in one model call');
      cancel.abort();
      await assert.rejects(cancelled, { name: 'AbortError' });
      const result = await mate;
      assert.equal(result.batchSize, 16);
      assert.deepEqual(result.output.dims, [8, card.classes.length]);
      assert.equal((await pool.run(crops(1))).batchSize, 1);
    } finally {
      await pool.close();
    }
  });
});

describe('inference pool with two workers', () => {
  it('runs two jobs at once, each worker with its own session', async () => {
    const pool = await startPool({ workers: 2, maxQueue: 0 });
    try {
      const jobs = [pool.run(crops(4)), pool.run(crops(4))];
      assert.equal(pool.inFlight, 2);
      await assert.rejects(pool.run(crops(1)), QueueFullError);
      const results = await Promise.all(jobs);
      assert.deepEqual(results[0]?.output.data, results[1]?.output.data);
    } finally {
      await pool.close();
    }
  });
});

describe('startInferencePool', () => {
  it('fails when the model cannot be loaded', async () => {
    await assert.rejects(startPool({ modelPath: '/nonexistent/model.onnx' }), /model.onnx/);
  });
});

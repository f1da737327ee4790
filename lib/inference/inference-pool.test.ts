import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadClassifierCard, type ClassifierCard } from '../model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { InferenceError, QueueFullError } from './errors.js';
import { toNchwTensor } from '../vision/tensor.js';
import { startInferencePool, type InferencePool } from './inference-pool.js';
import { packPixelBatch } from './messages.js';

function zeros(card: ClassifierCard, batch: number) {
  const dims = [batch, 3, card.input.height, card.input.width];
  return { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims };
}

describe('inference pool (real classifier model)', () => {
  let card: ClassifierCard;
  let pool: InferencePool;

  before(async () => {
    card = await loadClassifierCard(repoPath('models/classifier.json'));
    pool = await startInferencePool({
      modelPath: repoPath('models/classifier.onnx'),
      inputName: card.input.name,
      outputName: card.output.name,
      intraOpThreads: 1,
      workers: 1,
      maxQueue: 1,
      warmUpInput: zeros(card, 1),
      imageInput: card.input,
    });
  });

  after(() => pool.close());

  it('runs a batch and transfers the input buffer instead of copying it', async () => {
    const input = zeros(card, 3);
    const result = await pool.run(input);
    assert.equal(input.data.byteLength, 0, 'input buffer was transferred');
    assert.deepEqual(result.output.dims, [3, card.classes.length]);
    assert.equal(result.output.data.length, 3 * card.classes.length);
    assert.ok(result.inferenceSeconds > 0 && result.queueSeconds >= 0);
  });

  it('normalises 8-bit images in the worker exactly as toNchwTensor does on the main thread', async () => {
    const { width, height } = card.input;
    const images = [3, 7].map((seed) => ({
      data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * seed) % 256),
      width,
      height,
    }));
    const fromTensor = await pool.run({
      data: toNchwTensor(images, card.input),
      dims: [2, 3, height, width],
    });
    const batch = packPixelBatch(images.map((image) => ({ image, left: 0, top: 0 })));
    const fromPixels = await pool.run(batch);
    assert.equal(batch.pixels.byteLength, 0, 'pixel buffer was transferred');
    assert.deepEqual(fromPixels.output, fromTensor.output);
    assert.ok(fromPixels.preprocessSeconds > 0);
    assert.equal(fromTensor.preprocessSeconds, 0);
  });

  it('queues up to maxQueue jobs behind a busy worker and refuses the next one', async () => {
    const running = pool.run(zeros(card, 8));
    const queued = pool.run(zeros(card, 8));
    assert.equal(pool.inFlight, 1);
    assert.equal(pool.queueDepth, 1);
    await assert.rejects(pool.run(zeros(card, 1)), QueueFullError);
    const [first, second] = await Promise.all([running, queued]);
    assert.equal(first.output.dims[0], 8);
    assert.ok(second.queueSeconds > 0, 'the second job waited');
    assert.equal(pool.queueDepth, 0);
    assert.equal(pool.inFlight, 0);
  });

  it('reports a failed run as InferenceError and keeps working', async () => {
    await assert.rejects(pool.run({ data: new Float32Array(10), dims: [1, 10] }), InferenceError);
    const result = await pool.run(zeros(card, 1));
    assert.equal(result.output.dims[0], 1);
  });
});

describe('inference pool with two workers', () => {
  it('runs two jobs at once, each worker with its own session', async () => {
    const card = await loadClassifierCard(repoPath('models/classifier.json'));
    const pool = await startInferencePool({
      modelPath: repoPath('models/classifier.onnx'),
      inputName: card.input.name,
      outputName: card.output.name,
      intraOpThreads: 1,
      workers: 2,
      maxQueue: 0,
      warmUpInput: zeros(card, 1),
    });
    try {
      const jobs = [pool.run(zeros(card, 4)), pool.run(zeros(card, 4))];
      assert.equal(pool.inFlight, 2);
      await assert.rejects(pool.run(zeros(card, 1)), QueueFullError);
      const results = await Promise.all(jobs);
      assert.deepEqual(results[0]?.output.data, results[1]?.output.data);
    } finally {
      await pool.close();
    }
  });
});

describe('startInferencePool', () => {
  it('fails when the model cannot be loaded', async () => {
    await assert.rejects(
      startInferencePool({
        modelPath: '/nonexistent/model.onnx',
        inputName: 'x',
        outputName: 'y',
        intraOpThreads: 1,
        workers: 2,
        maxQueue: 1,
        warmUpInput: { data: new Float32Array(1), dims: [1] },
      }),
      /model.onnx/,
    );
  });
});

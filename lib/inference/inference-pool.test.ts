import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadClassifierCard, type ClassifierCard } from '../model-card/index.js';
import { repoPath } from '../testing/paths.js';
import { InferenceError, QueueFullError } from './errors.js';
import { startInferencePool, type InferencePool } from './inference-pool.js';

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

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  createDetectorClient,
  isServiceError,
  status,
  type DetectorClient,
  type DetectStream,
  type DetectStreamResponse,
} from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { bananaScene } from '../../../test/support/images.js';
import { letterboxed } from '../../../test/support/letterboxed.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

async function start(streamMaxPending: number) {
  const service = await startDetectorService(
    localServiceConfig(parseDetectorConfig, { streamMaxPending }),
  );
  const client = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
  return { service, client };
}

async function metric(service: RunningService, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? NaN);
}

/** Model runs so far: the count of the batch-size histogram. */
const modelRuns = (service: RunningService) =>
  metric(service, /^banana_inference_batch_size_count\{[^}]*\} (\d+)$/m);

async function collect(stream: DetectStream): Promise<DetectStreamResponse[]> {
  const answers: DetectStreamResponse[] = [];
  for await (const answer of stream) answers.push(answer);
  return answers;
}

/** Waits until the model-run count stops changing (work in flight finished). */
async function settledRuns(service: RunningService): Promise<number> {
  let previous = await modelRuns(service);
  for (;;) {
    await sleep(300);
    const now = await modelRuns(service);
    if (now === previous) return now;
    previous = now;
  }
}

/**
 * Called once the client has seen its stream end: at most the frame being processed then
 * still runs (no queued frame starts afterwards), and not every frame sent was processed.
 */
async function assertStopped(service: RunningService, before: number, frames: number) {
  const atEnd = await modelRuns(service);
  const settled = await settledRuns(service);
  assert.ok(settled - atEnd <= 1, `${settled - atEnd} frames ran after the stream ended`);
  assert.ok(settled - before < frames, `all ${frames} frames ran`);
}

describe('DetectStream', () => {
  let roomy: { service: RunningService; client: DetectorClient };
  let tight: { service: RunningService; client: DetectorClient };
  let photo: Buffer;
  let bigPhoto: Buffer;

  before(async () => {
    roomy = await start(64);
    tight = await start(2);
    photo = await bananaScene(640, 480, 'jpeg');
    bigPhoto = await bananaScene(1920, 1440, 'png');
  });

  after(async () => {
    for (const { service, client } of [roomy, tight]) {
      client.close();
      await service.shutdown();
    }
  });

  it('answers every frame in order with its frame id: encoded, raw, bad ones as errors', async () => {
    const { client } = roomy;
    const info = await client.getModelInfo();
    const raw = await letterboxed(photo, info);
    const expected = await client.detect({ image: photo });
    const stream = client.detectStream({ deadlineMs: 30_000 });
    const ids = [2 ** 40, 3, 99, 4, 5];
    stream.send({ frameId: ids[0], frame: { image: photo } });
    stream.send({ frameId: ids[1], frame: { letterboxed: raw } });
    stream.send({ frameId: ids[2], frame: { image: Buffer.from('not an image') } });
    stream.send({ frameId: ids[3], frame: { image: photo, minConfidence: 2 } });
    stream.send({ frameId: ids[4], frame: { image: photo, maxDetections: 1, minConfidence: 0 } });
    stream.end();
    const answers = await collect(stream);
    assert.deepEqual(
      answers.map((a) => a.frameId),
      ids,
    );
    assert.deepEqual(answers[0]?.result, expected);
    assert.deepEqual(answers[1]?.result, expected);
    assert.equal(answers[2]?.error?.code, status.INVALID_ARGUMENT);
    assert.match(answers[2].error.message, /not a JPEG, PNG or WebP image/);
    assert.equal(answers[3]?.error?.code, status.INVALID_ARGUMENT);
    assert.match(answers[3].error.message, /min_confidence must be in \[0, 1\], got 2/);
    assert.equal(answers[4]?.result?.detections.length, 1);
    for (const answer of answers) assert.equal(answer.dropped, undefined);
  });

  it('drops the oldest waiting frame when a frame arrives with STREAM_MAX_PENDING waiting', async () => {
    const { client, service } = tight;
    const droppedBefore = await metric(
      service,
      /^banana_stream_frames_total\{outcome="dropped"\} (\d+)$/m,
    );
    const stream = client.detectStream({ deadlineMs: 60_000 });
    const ids = Array.from({ length: 12 }, (_, i) => 100 + i);
    for (const frameId of ids) stream.send({ frameId, frame: { image: bigPhoto } });
    stream.end();
    const answers = await collect(stream);
    assert.deepEqual(
      answers.map((a) => a.frameId),
      ids,
      'every frame answered, in order',
    );
    const dropped = answers.filter((a) => a.dropped === true);
    const processed = answers.filter((a) => a.result !== undefined);
    assert.equal(dropped.length + processed.length, ids.length, 'no frame failed');
    assert.ok(dropped.length > 0, 'a burst of 12 frames overflows 2 pending');
    assert.ok(answers.at(-1)?.result, 'the newest frame is never the one dropped');
    // The answers to processed frames are the same as Detect's.
    assert.deepEqual(processed[0]?.result, await client.detect({ image: bigPhoto }));
    const droppedAfter = await metric(
      service,
      /^banana_stream_frames_total\{outcome="dropped"\} (\d+)$/m,
    );
    assert.equal(droppedAfter - droppedBefore, dropped.length);
  });

  it('stops working on a stream once the client cancels it', async () => {
    const { client, service } = roomy;
    const before = await settledRuns(service);
    const stream = client.detectStream();
    const frames = 40;
    for (let frameId = 0; frameId < frames; frameId++) {
      stream.send({ frameId, frame: { image: bigPhoto } });
    }
    await assert.rejects(
      (async () => {
        for await (const answer of stream) {
          assert.equal(answer.frameId, 0);
          stream.cancel();
        }
      })(),
      (error: unknown) => isServiceError(error) && error.code === status.CANCELLED,
    );
    await assertStopped(service, before, frames);
    // The service still serves.
    assert.ok((await client.detect({ image: photo })).imageSize);
  });

  it('ends the stream with DEADLINE_EXCEEDED and stops working when its deadline passes', async () => {
    const { client, service } = roomy;
    const before = await settledRuns(service);
    const stream = client.detectStream({ deadlineMs: 150 });
    const frames = 40;
    for (let frameId = 0; frameId < frames; frameId++) {
      stream.send({ frameId, frame: { image: bigPhoto } });
    }
    await assert.rejects(
      collect(stream),
      (error: unknown) => isServiceError(error) && error.code === status.DEADLINE_EXCEEDED,
    );
    await assertStopped(service, before, frames);
  });
});

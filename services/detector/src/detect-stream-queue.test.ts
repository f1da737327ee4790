// DetectStream's queue on its own: createDetectStream with a Detect that the test holds and
// releases, over an in-memory object stream, so that which frames wait, which are dropped and
// which are processed is exact (the service test sends real photos and can only bound it).
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createModelServiceMetrics } from '../../../lib/metrics/index.js';
import type {
  DetectRequest,
  DetectResponse,
  DetectStreamRequest,
  DetectStreamResponse,
} from '../../../lib/gen/banana/v1/detector.js';
import type { Detect } from './detect.js';
import { createDetectStream } from './detect-stream.js';

/** The detector's metrics on `registry`. */
const metricsOn = (registry: Registry) =>
  createModelServiceMetrics(registry, { service: 'detector', model: 'm', version: '1' });

/** A Detect whose calls wait until the test releases them; it answers with the frame's max_detections. */
function heldDetect() {
  const calls: Array<{ request: DetectRequest; release: () => void }> = [];
  let onCall: (() => void) | undefined;
  const detect: Detect = (request) =>
    new Promise<DetectResponse>((resolve) => {
      calls.push({
        request,
        release: () => {
          resolve({
            detections: [],
            model: { name: 'm', version: String(request.maxDetections) },
            minConfidence: 0.38,
            minConfidenceSource: 'model card',
          });
        },
      });
      onCall?.();
    });
  /** Resolves once `count` calls have started. */
  const started = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (calls.length >= count) {
          onCall = undefined;
          resolve();
        }
      };
      onCall = check;
      check();
    });
  return { detect, calls, started };
}

/** The client's side of an in-memory DetectStream: frames in, answers out. */
function memoryStream() {
  const answers: DetectStreamResponse[] = [];
  const stream = new Duplex({
    objectMode: true,
    read: () => undefined,
    write: (answer: DetectStreamResponse, _encoding, callback) => {
      answers.push(answer);
      callback();
    },
  });
  const send = (frameId: number) => {
    const request: DetectStreamRequest = {
      frameId,
      frame: { maxDetections: frameId } as DetectRequest,
    };
    stream.push(request);
  };
  return {
    stream: stream as unknown as ServerDuplexStream<DetectStreamRequest, DetectStreamResponse>,
    answers,
    send,
    end: () => stream.push(null),
  };
}

const outcome = (answer: DetectStreamResponse) =>
  answer.dropped ? 'dropped' : answer.result ? `result ${answer.result.model?.version}` : 'error';

describe('DetectStream queue', () => {
  it('drops the oldest waiting frames, so the newest ones are processed', async () => {
    const { detect, calls, started } = heldDetect();
    const run = createDetectStream(detect, { maxPending: 2, metrics: metricsOn(new Registry()) });
    const client = memoryStream();
    const done = run(client.stream, { signal: new AbortController().signal });
    client.send(1);
    await started(1);
    // Frame 1 is being processed; 2..6 arrive: at most 2 wait, the oldest give way.
    for (const frameId of [2, 3, 4, 5, 6]) client.send(frameId);
    client.end();
    for (let processed = 1; processed <= 3; processed++) {
      await started(processed);
      calls[processed - 1]?.release();
    }
    await done;
    assert.deepEqual(
      client.answers.map((a) => [a.frameId, outcome(a)]),
      [
        [1, 'result 1'],
        [2, 'dropped'],
        [3, 'dropped'],
        [4, 'dropped'],
        [5, 'result 5'],
        [6, 'result 6'],
      ],
    );
  });

  it('drops nothing while at most maxPending frames wait', async () => {
    const { detect, calls, started } = heldDetect();
    const run = createDetectStream(detect, { maxPending: 2, metrics: metricsOn(new Registry()) });
    const client = memoryStream();
    const done = run(client.stream, { signal: new AbortController().signal });
    client.send(1);
    await started(1);
    client.send(2);
    client.send(3);
    client.end();
    for (let processed = 1; processed <= 3; processed++) {
      await started(processed);
      calls[processed - 1]?.release();
    }
    await done;
    assert.deepEqual(
      client.answers.map((a) => [a.frameId, outcome(a)]),
      [
        [1, 'result 1'],
        [2, 'result 2'],
        [3, 'result 3'],
      ],
    );
  });

  it('counts each outcome in banana_stream_frames_total', async () => {
    const registry = new Registry();
    const { detect, calls, started } = heldDetect();
    const run = createDetectStream(detect, { maxPending: 1, metrics: metricsOn(registry) });
    const client = memoryStream();
    const done = run(client.stream, { signal: new AbortController().signal });
    client.send(1);
    await started(1);
    client.send(2);
    client.send(3);
    client.end();
    for (let processed = 1; processed <= 2; processed++) {
      await started(processed);
      calls[processed - 1]?.release();
    }
    await done;
    const text = await registry.metrics();
    assert.match(text, /^banana_stream_frames_total\{outcome="result"\} 2$/m);
    assert.match(text, /^banana_stream_frames_total\{outcome="dropped"\} 1$/m);
    assert.match(text, /^banana_stream_frames_total\{outcome="error"\} 0$/m);
  });
});

import { once } from 'node:events';
import {
  DetectRequest,
  type DetectStreamRequest,
  type DetectStreamResponse,
} from '../../../lib/gen/banana/v1/detector.js';
import { statusOfError, type StreamHandler } from '../../../lib/grpc-server/index.js';
import type { ModelServiceMetrics, StreamOutcome } from '../../../lib/metrics/index.js';
import type { Detect } from './detect.js';

/** A frame in arrival order; `frame` is undefined once it has been dropped. */
interface Entry {
  frameId: number;
  frame: DetectRequest | undefined;
}

/**
 * Dropped frames stay in the queue as markers (frame id only) until their answer is written,
 * so that answers keep the frames' order. Beyond this many entries the stream stops reading
 * from the client (HTTP/2 flow control) until answers catch up.
 */
const MAX_MARKERS = 256;

export interface DetectStreamOptions {
  /** STREAM_MAX_PENDING: frames allowed to wait per stream. */
  maxPending: number;
  metrics: Pick<ModelServiceMetrics, 'countStreamFrame' | 'presetStreamFrames'>;
}

/**
 * DetectStream: frames are read as they arrive and processed one at a time, in order; at most
 * `maxPending` wait. A frame arriving with `maxPending` already waiting drops the oldest
 * waiting one, which is answered in its place with `dropped`. A frame that fails is answered
 * with `error` and the stream goes on. Cancellation (client or deadline) stops the work.
 */
export function createDetectStream(
  detect: Detect,
  options: DetectStreamOptions,
): StreamHandler<DetectStreamRequest, DetectStreamResponse> {
  const { maxPending, metrics } = options;
  metrics.presetStreamFrames();

  return async (stream, { signal }) => {
    /** A function, not the property: the signal aborts while this handler awaits. */
    const cancelled = () => signal.aborted;
    const queue: Entry[] = [];
    let pending = 0;
    /** The client has half-closed (an object: set in a listener, read after awaits). */
    const input = { ended: false };
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };

    stream.on('data', (message: DetectStreamRequest) => {
      if (pending >= maxPending) {
        const oldest = queue.find((entry) => entry.frame !== undefined);
        if (oldest) {
          oldest.frame = undefined;
          pending--;
        }
      }
      queue.push({
        frameId: message.frameId,
        frame: message.frame ?? DetectRequest.fromPartial({}),
      });
      pending++;
      if (queue.length >= maxPending + MAX_MARKERS) stream.pause();
      notify();
    });
    stream.on('end', () => {
      input.ended = true;
      notify();
    });
    signal.addEventListener('abort', notify, { once: true });

    const answer = async (response: DetectStreamResponse, outcome: StreamOutcome) => {
      metrics.countStreamFrame(outcome);
      if (!stream.write(response)) {
        await once(stream, 'drain', { signal }).catch(() => undefined);
      }
    };

    for (;;) {
      if (cancelled()) return;
      const entry = queue.shift();
      if (!entry) {
        if (input.ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (stream.isPaused() && queue.length < maxPending + MAX_MARKERS / 2) stream.resume();
      const { frameId, frame } = entry;
      if (!frame) {
        await answer({ frameId, dropped: true }, 'dropped');
        continue;
      }
      pending--;
      let response: DetectStreamResponse;
      let outcome: StreamOutcome;
      try {
        response = { frameId, result: await detect(frame, { signal }) };
        outcome = 'result';
      } catch (error) {
        if (cancelled()) return;
        const { code, details } = statusOfError(error);
        response = { frameId, error: { code, message: details } };
        outcome = 'error';
      }
      if (cancelled()) return;
      await answer(response, outcome);
    }
  };
}

import { Metadata, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import type { GetModelInfoResponse } from '../gen/banana/v1/common.js';
import {
  DetectorService,
  DetectRequest,
  DetectStreamRequest,
  type DeepPartial,
  type DetectResponse,
  type DetectStreamResponse,
} from '../gen/banana/v1/detector.js';
import { serializeDetectRequest } from './pixel-codec.js';
import { serviceNameOf } from './service-name.js';
import { createServiceClient, type ClientOptions, type ServiceClient } from './service-client.js';
import type { CallOptions } from './unary-call.js';

export interface DetectorClient {
  /**
   * Bananas in one image; boxes in EXIF-oriented pixels of the original image. Set `image`
   * (encoded JPEG/PNG/WebP) or `letterboxed` (raw RGB at the model's input size, see
   * getModelInfo, with its letterbox geometry), not both.
   */
  detect(request: DetectRequestInput, options?: CallOptions): Promise<DetectResponse>;
  /** The model's identity, input specification (size, padding, ...), label and default thresholds. */
  getModelInfo(options?: CallOptions): Promise<GetModelInfoResponse>;
  /**
   * Opens a DetectStream: send frames, read one answer per frame in order (see
   * docs/grpc.md for flow control). Without `deadlineMs` the stream has no deadline: end,
   * cancel or abort it.
   */
  detectStream(options?: CallOptions): DetectStream;
  checkHealth: ServiceClient['checkHealth'];
  close(): void;
}

/** DetectRequest with empty fields and default thresholds left out. */
export type DetectRequestInput = DeepPartial<DetectRequest>;
/** One DetectStream frame: the client's frame id and the frame as for detect. */
export type DetectStreamFrameInput = DeepPartial<DetectStreamRequest>;

/**
 * A DetectStream call. Iterate it for the answers (one per frame, in order, each with its
 * frame id); the iteration ends after `end()` once every frame is answered, and throws a
 * ServiceError when the call fails (CANCELLED after `cancel()`, DEADLINE_EXCEEDED, ...).
 */
export interface DetectStream extends AsyncIterable<DetectStreamResponse> {
  /** Sends one frame. False when the send buffer is full: wait for `drained()` before more. */
  send(frame: DetectStreamFrameInput): boolean;
  /** Resolves once the send buffer has room again. */
  drained(): Promise<void>;
  /** No more frames. */
  end(): void;
  /** Cancels the call: the server stops working on it. */
  cancel(): void;
}

function openDetectStream(client: Client, callOptions: CallOptions | undefined): DetectStream {
  const method = DetectorService.detectStream;
  const deadline =
    callOptions?.deadlineMs === undefined ? Infinity : Date.now() + callOptions.deadlineMs;
  const call: ClientDuplexStream<DetectStreamRequest, DetectStreamResponse> =
    client.makeBidiStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      new Metadata(),
      { deadline },
    );
  const { signal } = callOptions ?? {};
  const cancel = () => {
    call.cancel();
  };
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  call.on('close', () => signal?.removeEventListener('abort', cancel));
  return {
    send: (frame) => call.write(DetectStreamRequest.fromPartial(frame)),
    drained: () =>
      new Promise((resolve) => {
        if (!call.writableNeedDrain) resolve();
        else call.once('drain', resolve);
      }),
    end: () => {
      call.end();
    },
    cancel,
    [Symbol.asyncIterator]: () =>
      call[Symbol.asyncIterator]() as AsyncIterator<DetectStreamResponse>,
  };
}

/** Detect, its request serialised with the pixels placed once (pixel-codec.ts). */
const DETECT = { ...DetectorService.detect, requestSerialize: serializeDetectRequest };

export function createDetectorClient(options: ClientOptions): DetectorClient {
  const serviceName = serviceNameOf(DetectorService);
  const client = createServiceClient(serviceName, options);
  return {
    detect: (request, callOptions) =>
      client.call(DETECT, DetectRequest.fromPartial(request), callOptions),
    getModelInfo: (callOptions) => client.call(DetectorService.getModelInfo, {}, callOptions),
    detectStream: (callOptions) => openDetectStream(client.grpcClient, callOptions),
    checkHealth: (callOptions) => client.checkHealth(callOptions),
    close: () => {
      client.close();
    },
  };
}

import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { status, type Server } from '@grpc/grpc-js';
import { createDetectorClient, type DetectorClient } from '../client/index.js';
import {
  DetectorService,
  type DetectRequest,
  type DetectResponse,
  type DetectStreamRequest,
  type DetectStreamResponse,
} from '../gen/banana/v1/detector.js';
import { QueueFullError } from '../inference/index.js';
import { createLogger } from '../log/index.js';
import { rejectsWithStatus } from '../../test/support/grpc-assert.js';
import { checkHealth, watchHealth } from '../../test/support/health-client.js';
import { ImageInputError } from '../vision/index.js';
import { CallTracker } from './call-tracker.js';
import {
  bindInsecure,
  createGrpcServer,
  RECEIVE_WINDOW_BYTES,
  shutdownGracefully,
} from './grpc-server.js';
import { addHealthService } from './health.js';
import { RequestError } from './request-error.js';
import { bindHandlers, type StreamHandler } from './handlers.js';

const limits = { maxMessageBytes: 1 << 20, maxConnectionAgeMs: 60_000 };
const response: DetectResponse = {
  detections: [],
  imageSize: { width: 1, height: 1 },
  model: { name: 'm', version: 'v' },
  minConfidence: 0.5,
  minConfidenceSource: 'model card',
};

type DetectStreamHandler = StreamHandler<DetectStreamRequest, DetectStreamResponse>;

async function serve(
  detect: (request: DetectRequest) => Promise<DetectResponse>,
  detectStream: DetectStreamHandler = () => Promise.reject(new Error('not used')),
) {
  const server = createGrpcServer(limits);
  const recorded: string[] = [];
  const calls = new CallTracker();
  server.addService(
    DetectorService,
    bindHandlers(
      DetectorService,
      {
        detect,
        getModelInfo: () => Promise.reject(new Error('not used')),
        detectStream,
      },
      {
        logger: createLogger('test', 'silent'),
        calls,
        recordRequest: (method, code) => recorded.push(`${method} ${code}`),
      },
    ),
  );
  const port = await bindInsecure(server, '127.0.0.1', 0);
  const client = createDetectorClient({ target: `127.0.0.1:${port}`, defaultDeadlineMs: 5000 });
  return { server, port, client, recorded, calls };
}

async function stop(server: Server, client: DetectorClient) {
  client.close();
  await shutdownGracefully(server, 1000);
}

describe('health service', () => {
  it('starts NOT_SERVING, follows set() for "" and the named service, refuses unknown names', async () => {
    const server = createGrpcServer(limits);
    const health = addHealthService(server, ['banana.v1.Detector']);
    const port = await bindInsecure(server, '127.0.0.1', 0);
    try {
      const watch = watchHealth(port, '');
      assert.equal(await checkHealth(port, ''), 'NOT_SERVING');
      assert.equal(await checkHealth(port, 'banana.v1.Detector'), 'NOT_SERVING');
      await rejectsWithStatus(checkHealth(port, 'banana.v1.Other'), status.NOT_FOUND);
      health.set('SERVING');
      assert.equal(health.status, 'SERVING');
      assert.equal(await checkHealth(port, ''), 'SERVING');
      assert.equal(await checkHealth(port, 'banana.v1.Detector'), 'SERVING');
      health.set('NOT_SERVING');
      await watch.received(3);
      watch.close();
      assert.deepEqual(watch.statuses, ['NOT_SERVING', 'SERVING', 'NOT_SERVING']);
    } finally {
      server.forceShutdown();
    }
  });
});

describe('HTTP/2 receive window', () => {
  it('advertises RECEIVE_WINDOW_BYTES per stream and opens the connection window as wide', async () => {
    const server = createGrpcServer(limits);
    const port = await bindInsecure(server, '127.0.0.1', 0);
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      const [settings] = (await once(session, 'remoteSettings')) as [
        { initialWindowSize?: number },
      ];
      assert.equal(settings.initialWindowSize, RECEIVE_WINDOW_BYTES);
      // The server's WINDOW_UPDATE for the connection arrives before the answer to a ping.
      await new Promise<void>((resolve, reject) =>
        session.ping((error) => {
          if (error) reject(error);
          else resolve();
        }),
      );
      assert.equal(session.state.remoteWindowSize, RECEIVE_WINDOW_BYTES);
    } finally {
      session.destroy();
      server.forceShutdown();
    }
  });
});

describe('bindHandlers', () => {
  it('maps thrown errors to statuses, hides internal details and records every code', async () => {
    // The request's max_detections picks the error to throw.
    const errors: Record<number, Error> = {
      1: new RequestError(status.UNAVAILABLE, 'still loading'),
      2: new ImageInputError('image is empty (0 bytes)'),
      3: new QueueFullError(4),
      4: new Error('secret internals'),
    };
    const { server, client, recorded } = await serve((request) => {
      const error = errors[request.maxDetections ?? 0];
      return error ? Promise.reject(error) : Promise.resolve(response);
    });
    try {
      await rejectsWithStatus(
        client.detect({ maxDetections: 1 }),
        status.UNAVAILABLE,
        /still loading/,
      );
      await rejectsWithStatus(
        client.detect({ maxDetections: 2 }),
        status.INVALID_ARGUMENT,
        /^image is empty \(0 bytes\)$/,
      );
      await rejectsWithStatus(
        client.detect({ maxDetections: 3 }),
        status.RESOURCE_EXHAUSTED,
        /inference queue is full \(4 requests waiting\)/,
      );
      await rejectsWithStatus(
        client.detect({ maxDetections: 4 }),
        status.INTERNAL,
        /^internal error$/,
      );
      assert.deepEqual(await client.detect({}), response);
      assert.deepEqual(recorded, [
        // the client's retry policy makes 3 attempts on UNAVAILABLE
        'Detect UNAVAILABLE',
        'Detect UNAVAILABLE',
        'Detect UNAVAILABLE',
        'Detect INVALID_ARGUMENT',
        'Detect RESOURCE_EXHAUSTED',
        'Detect INTERNAL',
        'Detect OK',
      ]);
    } finally {
      await stop(server, client);
    }
  });
});

describe('bindHandlers with a bidirectional stream', () => {
  const echo: DetectStreamHandler = async (stream, { signal }) => {
    // Iterating must not destroy the duplex when the client half-closes: answers still go out.
    for await (const frame of stream.iterator({
      destroyOnReturn: false,
    }) as AsyncIterable<DetectStreamRequest>) {
      if (frame.frameId === 13) throw new RequestError(status.RESOURCE_EXHAUSTED, 'unlucky');
      if (frame.frameId === 99) {
        await new Promise((resolve) => {
          signal.addEventListener('abort', resolve);
        });
        return;
      }
      stream.write({ frameId: frame.frameId, dropped: true });
    }
  };

  it('ends with OK once the handler is done, or with the status of what it threw; counts once', async () => {
    const { server, client, recorded } = await serve(() => Promise.resolve(response), echo);
    try {
      const ok = client.detectStream({ deadlineMs: 5000 });
      ok.send({ frameId: 1 });
      ok.send({ frameId: 2 });
      ok.end();
      const answers: number[] = [];
      for await (const answer of ok) answers.push(answer.frameId);
      assert.deepEqual(answers, [1, 2]);

      const failing = client.detectStream({ deadlineMs: 5000 });
      failing.send({ frameId: 3 });
      failing.send({ frameId: 13 });
      const seen: number[] = [];
      await rejectsWithStatus(
        (async () => {
          for await (const answer of failing) seen.push(answer.frameId);
        })(),
        status.RESOURCE_EXHAUSTED,
        /^unlucky$/,
      );
      assert.deepEqual(seen, [3]);
      assert.deepEqual(recorded, ['DetectStream OK', 'DetectStream RESOURCE_EXHAUSTED']);
    } finally {
      await stop(server, client);
    }
  });

  it('aborts the handler signal when the client cancels, and counts CANCELLED', async () => {
    const { server, client, recorded, calls } = await serve(() => Promise.resolve(response), echo);
    try {
      const stream = client.detectStream();
      stream.send({ frameId: 99 });
      while (calls.count === 0) await sleep(5);
      stream.cancel();
      await rejectsWithStatus(
        (async () => {
          for await (const answer of stream) assert.fail(`unexpected answer ${answer.frameId}`);
        })(),
        status.CANCELLED,
      );
      while (calls.count > 0) await sleep(5);
      assert.deepEqual(recorded, ['DetectStream CANCELLED']);
    } finally {
      await stop(server, client);
    }
  });
});

describe('shutdownGracefully', () => {
  it('lets a running call finish, refuses new ones', async () => {
    const { server, client, calls } = await serve(async () => {
      await sleep(300);
      return response;
    });
    const running = client.detect({});
    while (calls.count === 0) await sleep(5);
    const ending = shutdownGracefully(server, 5000);
    assert.deepEqual(await running, response);
    assert.equal(await ending, 'drained');
    await rejectsWithStatus(client.detect({}, { deadlineMs: 1000 }), status.UNAVAILABLE);
    client.close();
  });

  it('cuts calls still running after the grace period', async () => {
    const { server, client, calls } = await serve(async () => {
      await sleep(2000);
      return response;
    });
    const running = client.detect({});
    while (calls.count === 0) await sleep(5);
    assert.equal(await shutdownGracefully(server, 100), 'forced');
    await assert.rejects(running);
    client.close();
  });
});

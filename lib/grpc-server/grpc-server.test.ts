import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { status, type Server } from '@grpc/grpc-js';
import { createDetectorClient, type DetectorClient } from '../client/index.js';
import {
  DetectorService,
  type DetectRequest,
  type DetectResponse,
} from '../gen/banana/v1/detector.js';
import { QueueFullError } from '../inference/index.js';
import { createLogger } from '../log/index.js';
import { rejectsWithStatus } from '../../test/support/grpc-assert.js';
import { checkHealth, watchHealth } from '../../test/support/health-client.js';
import { ImageInputError } from '../vision/index.js';
import { CallTracker } from './call-tracker.js';
import { bindInsecure, createGrpcServer, shutdownGracefully } from './grpc-server.js';
import { addHealthService } from './health.js';
import { RequestError } from './request-error.js';
import { bindUnaryHandlers } from './unary-handlers.js';

const limits = { maxMessageBytes: 1 << 20, maxConnectionAgeMs: 60_000 };
const response: DetectResponse = {
  detections: [],
  imageSize: { width: 1, height: 1 },
  model: { name: 'm', version: 'v' },
};

async function serve(detect: (request: DetectRequest) => Promise<DetectResponse>) {
  const server = createGrpcServer(limits);
  const recorded: string[] = [];
  const calls = new CallTracker();
  server.addService(
    DetectorService,
    bindUnaryHandlers(
      DetectorService,
      { detect },
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

describe('bindUnaryHandlers', () => {
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

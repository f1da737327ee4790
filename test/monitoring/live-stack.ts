// The running system for the live monitoring tests: the local stack (real model-service
// processes, in-process function) plus a second function whose classifier address is
// closed, so that upstream errors and 5xx answers exist too; traffic of every kind.
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { startFunctionServer, type FunctionServer } from '../../function/src/server.js';
import { DetectorClient } from '../../lib/gen/banana/v1/detector.js';
import { createLogger } from '../../lib/log/index.js';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack/stack.js';
import { freePort } from './prometheus-server.js';
import { photos, postPhoto, sendMany, type Outcome } from './traffic.js';

export interface LiveSystem {
  stack: LocalStack;
  /** The stack's function, bound to FUNCTION_IPS[0]:functionPort. */
  functionUrl: string;
  /** A function whose classifier is unreachable, bound to FUNCTION_IPS[1]:functionPort. */
  failingUrl: string;
  failing: FunctionServer;
  functionPort: number;
  stop(): Promise<void>;
}

/** Two loopback addresses, so that both functions can listen on the same port (as pods do). */
export const FUNCTION_IPS = ['127.0.0.2', '127.0.0.3'] as const;

export async function startLiveSystem(opts: {
  detectors: number;
  classifiers: number;
}): Promise<LiveSystem> {
  const functionPort = await freePort();
  const stack = await startLocalStack({
    detectorReplicas: opts.detectors,
    classifierReplicas: opts.classifiers,
    functionPort,
    functionConfig: { host: FUNCTION_IPS[0] },
    logLevel: 'warn',
  });
  let failing: FunctionServer;
  try {
    const closed = await freePort(); // nothing listens there
    failing = await startFunctionServer(
      {
        ...stack.functionConfig,
        host: FUNCTION_IPS[1],
        port: functionPort,
        classifierAddress: `127.0.0.1:${String(closed)}`,
        classifyDeadlineMs: 2000,
      },
      { logger: createLogger('function', 'error') },
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return {
    stack,
    functionUrl: `http://${FUNCTION_IPS[0]}:${String(functionPort)}`,
    failingUrl: `http://${FUNCTION_IPS[1]}:${String(functionPort)}`,
    failing,
    functionPort,
    async stop() {
      await failing.close();
      await stack.stop();
    },
  };
}

/** A Detect call with bytes that are no image: the detector answers INVALID_ARGUMENT. */
export async function invalidDetectCall(address: string): Promise<string> {
  const client = new DetectorClient(address, credentials.createInsecure());
  try {
    return await new Promise((resolve) => {
      client.detect({ image: Buffer.from('not an image at all') }, (err: ServiceError | null) => {
        resolve(err ? String(err.code) : 'OK');
      });
    });
  } finally {
    client.close();
  }
}

export type TrafficReport = {
  ok: Outcome[];
  clientErrors: Outcome[];
  upstreamFailures: Outcome[];
  grpcInvalid: string;
};

/** Successful requests, 4xx requests, requests failing upstream, and one bad gRPC call. */
export async function sendAllKinds(sys: LiveSystem, okCount: number): Promise<TrafficReport> {
  const images = await photos(6);
  const ok = await sendMany(sys.functionUrl, images, okCount, 2);
  const first = images[0] ?? Buffer.alloc(0);
  const clientErrors = [
    await postPhoto(sys.functionUrl, first, 'min_confidence=7'), // 400: option out of range
    await (async (): Promise<Outcome> => {
      const res = await fetch(`${sys.functionUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      await res.text();
      return { status: res.status, ms: 0 };
    })(), // 415
  ];
  const upstreamFailures = [
    await postPhoto(sys.failingUrl, first),
    await postPhoto(sys.failingUrl, first),
  ];
  const detector = sys.stack.detectors[0];
  const grpcInvalid = detector ? await invalidDetectCall(detector.grpcAddress) : 'no detector';
  return { ok, clientErrors, upstreamFailures, grpcInvalid };
}

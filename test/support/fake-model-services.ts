/**
 * gRPC servers on free loopback ports that answer as the detector and classifier services
 * would, with answers chosen by the test: GetModelInfo states small input sizes, Detect and
 * Classify run a handler the test can swap at any time (e.g. to stall or fail a call).
 */
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
  type status,
} from '@grpc/grpc-js';
import {
  ClassifierService,
  type ClassifyRequest,
  type ClassifyResponse,
} from '../../lib/gen/banana/v1/classifier.js';
import type { GetModelInfoResponse } from '../../lib/gen/banana/v1/common.js';
import {
  DetectorService,
  type DetectRequest,
  type DetectResponse,
} from '../../lib/gen/banana/v1/detector.js';
import type { FunctionConfig } from '../../function/src/config.js';
import { startFunctionServer, type FunctionServer } from '../../function/src/server.js';

export const FAKE_MODEL = { name: 'fake', version: '1' };
export const FAKE_CLASSES = ['green', 'barely_ripe', 'ripe', 'very_ripe', 'over_ripe', 'rotten'];

const INPUT_BASE = {
  padValue: [114, 114, 114],
  resizeKernel: 'linear',
  channelOrder: 'RGB',
  layout: 'NHWC',
  dtype: 'uint8',
} as const;

export const FAKE_DETECTOR_INFO: GetModelInfoResponse = {
  model: FAKE_MODEL,
  input: {
    ...INPUT_BASE,
    padValue: [114, 114, 114],
    width: 64,
    height: 64,
    resizeMode: 'letterbox',
  },
  classNames: ['banana'],
  classLabels: [],
  maxBatch: 0,
  maxImagePixels: 0,
};

export const FAKE_CLASSIFIER_INFO: GetModelInfoResponse = {
  model: FAKE_MODEL,
  input: {
    ...INPUT_BASE,
    padValue: [114, 114, 114],
    width: 32,
    height: 32,
    resizeMode: 'pad_to_square',
  },
  classNames: FAKE_CLASSES,
  classLabels: [],
  maxBatch: 0,
  maxImagePixels: 0,
};

/** A unary handler: answer with `callback`, or never (a stalled call), or with an error. */
export type UnaryHandler<Req, Res> = (
  call: ServerUnaryCall<Req, Res>,
  callback: sendUnaryData<Res>,
) => void;

export interface FakeModelServices {
  detectorAddress: string;
  classifierAddress: string;
  /** Swap these to change how the services answer. */
  handlers: {
    detect: UnaryHandler<DetectRequest, DetectResponse>;
    classify: UnaryHandler<ClassifyRequest, ClassifyResponse>;
    detectorInfo: UnaryHandler<unknown, GetModelInfoResponse>;
    classifierInfo: UnaryHandler<unknown, GetModelInfoResponse>;
  };
  close(): void;
}

/** A Detect answer with one detection per box (confidence 0.9). */
export function detections(
  boxes: Array<{ xMin: number; yMin: number; xMax: number; yMax: number }>,
): DetectResponse {
  return {
    detections: boxes.map((box) => ({ box, confidence: 0.9, label: 'banana' })),
    model: FAKE_MODEL,
    minConfidence: 0.38,
    minConfidenceSource: 'model card',
  };
}

/** Every crop classified as `ripe`. */
export function allRipe(request: ClassifyRequest): ClassifyResponse {
  const probabilities = FAKE_CLASSES.map((name) => (name === 'ripe' ? 1 : 0));
  const result = { stage: 'ripe', stageIndex: 2, confidence: 1, probabilities };
  return {
    results: request.rawCrops.map(() => result),
    classes: FAKE_CLASSES,
    model: FAKE_MODEL,
  };
}

export function defaultHandlers(): FakeModelServices['handlers'] {
  return {
    detect: (_call, callback) => {
      callback(null, detections([]));
    },
    classify: (call, callback) => {
      callback(null, allRipe(call.request));
    },
    detectorInfo: (_call, callback) => {
      callback(null, FAKE_DETECTOR_INFO);
    },
    classifierInfo: (_call, callback) => {
      callback(null, FAKE_CLASSIFIER_INFO);
    },
  };
}

async function listen(server: Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  return `127.0.0.1:${port}`;
}

export async function startFakeModelServices(): Promise<FakeModelServices> {
  const handlers = defaultHandlers();
  const detector = new Server();
  const classifier = new Server();
  const close = () => {
    detector.forceShutdown();
    classifier.forceShutdown();
  };
  detector.addService(DetectorService, {
    detect: (
      call: ServerUnaryCall<DetectRequest, DetectResponse>,
      cb: sendUnaryData<DetectResponse>,
    ) => {
      handlers.detect(call, cb);
    },
    getModelInfo: (
      call: ServerUnaryCall<unknown, GetModelInfoResponse>,
      cb: sendUnaryData<GetModelInfoResponse>,
    ) => {
      handlers.detectorInfo(call, cb);
    },
  });
  classifier.addService(ClassifierService, {
    classify: (
      call: ServerUnaryCall<ClassifyRequest, ClassifyResponse>,
      cb: sendUnaryData<ClassifyResponse>,
    ) => {
      handlers.classify(call, cb);
    },
    getModelInfo: (
      call: ServerUnaryCall<unknown, GetModelInfoResponse>,
      cb: sendUnaryData<GetModelInfoResponse>,
    ) => {
      handlers.classifierInfo(call, cb);
    },
  });
  try {
    return {
      detectorAddress: await listen(detector),
      classifierAddress: await listen(classifier),
      handlers,
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

/** A gRPC error as a service handler passes it to its callback. */
export function grpcError(code: status, details: string): Partial<ServiceError> {
  return { code, details, message: details };
}

/** The function on a loopback port, silent, without the page, calling these services. */
export function startFunctionOn(
  services: Pick<FakeModelServices, 'detectorAddress' | 'classifierAddress'>,
  overrides: Partial<FunctionConfig> = {},
): Promise<FunctionServer> {
  return startFunctionServer({
    host: '127.0.0.1',
    port: 0,
    serveWeb: false,
    logLevel: 'silent',
    detectorAddress: services.detectorAddress,
    classifierAddress: services.classifierAddress,
    ...overrides,
  });
}

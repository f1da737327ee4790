// runPipeline with fake model clients (objects with the clients' methods, no gRPC, no HTTP):
// what each model call is given (deadline, abort signal) and how a failed call is reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { serviceError, type CallOptions } from '../../../lib/client/index.js';
import type { ClassifyResponse } from '../../../lib/gen/banana/v1/classifier.js';
import type { DetectResponse } from '../../../lib/gen/banana/v1/detector.js';
import { openPhoto } from '../image/decode-photo.js';
import { UpstreamError, type ModelService } from './errors.js';
import type { ClassifierSpec, DetectorSpec, ModelSpecs } from './model-specs.js';
import {
  createStageTimer,
  runPipeline,
  type PipelineDeps,
  type PipelineInput,
} from './run-pipeline.js';

const MODEL = { name: 'fake', version: '1' };
const CLASSES = ['green', 'ripe'];
const DETECTOR_SPEC: DetectorSpec = {
  model: MODEL,
  input: { width: 64, height: 64, padValue: [114, 114, 114], kernel: 'linear' },
};
const CLASSIFIER_SPEC: ClassifierSpec = {
  model: MODEL,
  input: { width: 32, height: 32, padValue: [114, 114, 114], kernel: 'linear' },
  classes: CLASSES,
  maxBatch: 0,
};

const ONE_BANANA: DetectResponse = {
  detections: [
    { box: { xMin: 10, yMin: 10, xMax: 60, yMax: 40 }, confidence: 0.9, label: 'banana' },
  ],
  model: MODEL,
  minConfidence: 0.38,
  minConfidenceSource: 'model card',
};

function classified(crops: number): ClassifyResponse {
  const result = { stage: 'ripe', stageIndex: 1, confidence: 0.8, probabilities: [0.2, 0.8] };
  return { results: Array.from({ length: crops }, () => result), classes: CLASSES, model: MODEL };
}

/** A call that ends only when its signal aborts (as a gRPC call cancelled by the client). */
function untilAborted(options: CallOptions | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    const signal = options?.signal;
    const cancelled = () => {
      reject(serviceError(status.CANCELLED, 'Cancelled on client'));
    };
    if (signal?.aborted) cancelled();
    else signal?.addEventListener('abort', cancelled, { once: true });
  });
}

interface Fakes {
  detect?: (options: CallOptions | undefined) => Promise<DetectResponse>;
  classify?: (crops: number, options: CallOptions | undefined) => Promise<ClassifyResponse>;
}

interface Recorded {
  detectOptions: Array<CallOptions | undefined>;
  classifyOptions: Array<CallOptions | undefined>;
  upstreamErrors: Array<{ service: ModelService; error: unknown }>;
}

function fakeDeps(fakes: Fakes, deadlines = { detect: 1000, classify: 2000 }) {
  const recorded: Recorded = { detectOptions: [], classifyOptions: [], upstreamErrors: [] };
  const models: ModelSpecs = {
    detector: () => Promise.resolve(DETECTOR_SPEC),
    classifier: () => Promise.resolve(CLASSIFIER_SPEC),
    forget: () => undefined,
  };
  const detector = {
    detect: (_request: unknown, options?: CallOptions) => {
      recorded.detectOptions.push(options);
      return fakes.detect?.(options) ?? Promise.resolve(ONE_BANANA);
    },
  };
  const classifier = {
    classify: (request: { rawCrops: unknown[] }, options?: CallOptions) => {
      recorded.classifyOptions.push(options);
      const crops = request.rawCrops.length;
      return fakes.classify?.(crops, options) ?? Promise.resolve(classified(crops));
    },
  };
  const deps: PipelineDeps = {
    detector: detector as unknown as PipelineDeps['detector'],
    classifier: classifier as unknown as PipelineDeps['classifier'],
    models,
    detectDeadlineMs: deadlines.detect,
    classifyDeadlineMs: deadlines.classify,
    onUpstreamError: (service, error) => {
      recorded.upstreamErrors.push({ service, error });
    },
  };
  return { deps, recorded };
}

async function photoInput(signal?: AbortSignal): Promise<PipelineInput> {
  const png = await sharp({
    create: { width: 80, height: 60, channels: 3, background: '#c0c020' },
  })
    .png()
    .toBuffer();
  const photo = await openPhoto(png, 1e8);
  return { photo, options: { format: 'none', quality: 80 }, signal };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      setTimeout(() => {
        reject(new Error(`${what} within ${ms} ms`));
      }, ms).unref();
    }),
  ]);
}

describe('runPipeline with fake model clients', () => {
  it('answers with the detections and their classifications', async () => {
    const { deps } = fakeDeps({});
    const result = await runPipeline(await photoInput(), deps, createStageTimer());
    assert.equal(result.bananas.length, 1);
    assert.deepEqual(result.bananas[0]?.box, ONE_BANANA.detections[0]?.box);
    assert.equal(result.bananas[0]?.classification.stage, 'ripe');
    assert.deepEqual(result.catalogue.classes, CLASSES);
  });

  it('drops boxes without area (clamped to a line at an edge) before classifying', async () => {
    const banana = { xMin: 10, yMin: 10, xMax: 60, yMax: 40 };
    const detections = [
      { box: { ...banana, xMax: banana.xMin }, confidence: 0.95, label: 'banana' }, // no width
      { box: banana, confidence: 0.9, label: 'banana' },
      { box: { ...banana, yMin: 40 }, confidence: 0.8, label: 'banana' }, // no height
    ];
    let crops = -1;
    const { deps } = fakeDeps({
      detect: () =>
        Promise.resolve({
          detections,
          model: MODEL,
          minConfidence: 0.38,
          minConfidenceSource: 'model card',
        }),
      classify: (count) => {
        crops = count;
        return Promise.resolve(classified(count));
      },
    });
    const result = await runPipeline(await photoInput(), deps, createStageTimer());
    assert.equal(crops, 1, 'one crop classified');
    assert.deepEqual(
      result.bananas.map((b) => b.box),
      [banana],
    );
  });

  it('gives Detect the detect deadline and Classify the classify deadline', async () => {
    const { deps, recorded } = fakeDeps({}, { detect: 1234, classify: 5678 });
    await runPipeline(await photoInput(), deps, createStageTimer());
    assert.deepEqual(
      recorded.detectOptions.map((o) => o?.deadlineMs),
      [1234],
    );
    assert.deepEqual(
      recorded.classifyOptions.map((o) => o?.deadlineMs),
      [5678],
    );
  });

  it("cancels the Classify call when the request's signal aborts", async () => {
    const clientGone = new AbortController();
    let classifyStarted!: () => void;
    const started = new Promise<void>((resolve) => (classifyStarted = resolve));
    const { deps, recorded } = fakeDeps({
      classify: (_crops, options) => {
        classifyStarted();
        return untilAborted(options);
      },
    });
    const running = runPipeline(await photoInput(clientGone.signal), deps, createStageTimer());
    running.catch(() => undefined);
    await within(started, 5000, 'Classify was not called');
    const signal = recorded.classifyOptions[0]?.signal;
    assert.ok(signal, 'Classify was given an abort signal');
    assert.equal(signal.aborted, false);
    clientGone.abort();
    assert.equal(signal.aborted, true, "the request's abort reaches the Classify call");
    await assert.rejects(
      within(running, 5000, 'the pipeline did not end after the abort'),
      (error: unknown) =>
        error instanceof UpstreamError &&
        error.service === 'classifier' &&
        error.code === 'CANCELLED',
    );
  });

  it("cancels the Detect call when the request's signal aborts", async () => {
    const clientGone = new AbortController();
    let detectStarted!: () => void;
    const started = new Promise<void>((resolve) => (detectStarted = resolve));
    const { deps, recorded } = fakeDeps({
      detect: (options) => {
        detectStarted();
        return untilAborted(options);
      },
    });
    const running = runPipeline(await photoInput(clientGone.signal), deps, createStageTimer());
    running.catch(() => undefined);
    await within(started, 5000, 'Detect was not called');
    clientGone.abort();
    await assert.rejects(within(running, 5000, 'the pipeline did not end'), UpstreamError);
    assert.equal(recorded.classifyOptions.length, 0, 'no Classify after a cancelled Detect');
  });

  it('reports a failed call (service and error) and throws it as an UpstreamError with its deadline', async () => {
    const failure = serviceError(status.UNAVAILABLE, 'no connection');
    const { deps, recorded } = fakeDeps(
      { classify: () => Promise.reject(failure) },
      { detect: 1000, classify: 2500 },
    );
    await assert.rejects(
      runPipeline(await photoInput(), deps, createStageTimer()),
      (error: unknown) =>
        error instanceof UpstreamError &&
        error.service === 'classifier' &&
        error.code === 'UNAVAILABLE' &&
        error.deadlineMs === 2500,
    );
    assert.deepEqual(recorded.upstreamErrors, [{ service: 'classifier', error: failure }]);
  });
});

describe('runPipeline: when the photo is decoded at full resolution', () => {
  /** The photo of photoInput, counting its full-resolution decodes. */
  async function counted(format: 'jpeg' | 'none', idle: boolean) {
    const input = await photoInput();
    const decodes = { count: 0 };
    const photo = {
      decodeLetterboxed: input.photo.decodeLetterboxed,
      decode: () => {
        decodes.count += 1;
        return input.photo.decode();
      },
    };
    return { input: { ...input, photo, idle, options: { format, quality: 80 } }, decodes };
  }
  const SMALL_BOX: DetectResponse = {
    // 20x15 px of the 80x60 photo: 16x12 in the detector's 64x48 decode, below the 32 px input.
    detections: [{ box: { xMin: 5, yMin: 5, xMax: 25, yMax: 20 }, confidence: 0.9, label: '' }],
    model: MODEL,
    minConfidence: 0.38,
    minConfidenceSource: 'model card',
  };

  it('never, without the photo in the answer, under load, when every box keeps the input size in the detector decode', async () => {
    const { deps } = fakeDeps({});
    const { input, decodes } = await counted('none', false);
    const result = await runPipeline(input, deps, createStageTimer());
    assert.equal(result.bananas.length, 1);
    assert.equal(decodes.count, 0);
  });

  it('once, when a box is too small in the detector decode', async () => {
    const { deps } = fakeDeps({ detect: () => Promise.resolve(SMALL_BOX) });
    const { input, decodes } = await counted('none', false);
    await runPipeline(input, deps, createStageTimer());
    assert.equal(decodes.count, 1);
  });

  it('once, while detecting, for the annotated photo or when nothing else runs', async () => {
    for (const [format, idle] of [
      ['jpeg', false],
      ['none', true],
    ] as const) {
      let decodedBeforeDetect = -1;
      const { input, decodes } = await counted(format, idle);
      const { deps } = fakeDeps({
        detect: () => {
          decodedBeforeDetect = decodes.count;
          return Promise.resolve(ONE_BANANA);
        },
      });
      const result = await runPipeline(input, deps, createStageTimer());
      assert.equal(decodedBeforeDetect, 1, `${format}, idle ${idle}`);
      assert.equal(decodes.count, 1);
      assert.equal(result.annotatedJpeg !== undefined, format === 'jpeg');
    }
  });
});

// Fuzzing a real detector service (ONNX loaded once) with generated requests: Detect with any
// photo bytes, thresholds and letterboxed pixels; Open Inference ModelInfer over gRPC (raw and
// typed tensors) and over REST (any JSON). Each call ends with an answer or a clear refusal
// (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED; 4xx over REST), never a failure of ours;
// the service serves a plain photo afterwards. FUZZ_RUNS scales the runs (npm run test:fuzz).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createDetectorClient, type DetectorClient } from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import { fuzzParameters } from '../../../test/support/fuzz.js';
import {
  answersOrRefuses,
  anyFloat,
  dimension,
  imageSpec,
  rawImage,
  realise,
  realiseRaw,
} from '../../../test/support/fuzz-model-service.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import {
  openInferenceClient,
  type OipClient,
} from '../../../test/support/open-inference-client.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const DATATYPES = ['UINT8', 'FP32', 'INT32', 'BOOL', 'BYTES', 'FP16', 'INT64', ''];

describe('detector service under generated requests', () => {
  let service: RunningService;
  let detector: DetectorClient;
  let oip: OipClient;

  before(async () => {
    service = await startDetectorService(localServiceConfig(parseDetectorConfig, { maxBatch: 4 }));
    detector = createDetectorClient({
      target: `127.0.0.1:${service.grpcPort}`,
      defaultDeadlineMs: 20_000,
    });
    oip = openInferenceClient(`127.0.0.1:${service.grpcPort}`);
  });
  after(async () => {
    detector.close();
    oip.close();
    await service.shutdown();
  });

  it('Detect: any photo bytes, thresholds and letterboxed pixels', async () => {
    const request = fc.record({
      image: fc.option(imageSpec, { nil: undefined }),
      minConfidence: fc.option(anyFloat, { nil: undefined }),
      iouThreshold: fc.option(anyFloat, { nil: undefined }),
      maxDetections: fc.option(fc.oneof(fc.nat(), fc.constant(2 ** 32 - 1)), { nil: undefined }),
      letterboxed: fc.option(
        fc.record({
          pixels: rawImage,
          originalWidth: dimension,
          originalHeight: dimension,
          scale: anyFloat,
          offsetX: dimension,
          offsetY: dimension,
        }),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const image = r.image ? await realise(r.image) : undefined;
        await answersOrRefuses(() =>
          detector.detect({
            ...(image && { image }),
            minConfidence: r.minConfidence,
            iouThreshold: r.iouThreshold,
            maxDetections: r.maxDetections,
            ...(r.letterboxed && {
              letterboxed: {
                pixels: realiseRaw(r.letterboxed.pixels),
                letterbox: {
                  originalSize: {
                    width: r.letterboxed.originalWidth,
                    height: r.letterboxed.originalHeight,
                  },
                  scale: r.letterboxed.scale,
                  offsetX: r.letterboxed.offsetX,
                  offsetY: r.letterboxed.offsetY,
                },
              },
            }),
          }),
        );
      }),
      fuzzParameters(40),
    );
  });

  const tensor = fc.record({
    name: fc.constantFrom('images', 'crops', ''),
    datatype: fc.constantFrom(...DATATYPES),
    shape: fc.oneof(
      fc.constant([1, 320, 320, 3]),
      fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(320, 2 ** 31)), {
        maxLength: 5,
      }),
    ),
  });

  it('ModelInfer over gRPC: any tensors, raw or typed, outputs and parameters', async () => {
    const request = fc.record({
      model: fc.constantFrom('banana-detector', 'banana-ripeness-classifier', ''),
      inputs: fc.array(tensor, { maxLength: 2 }),
      raw: fc.option(fc.array(fc.integer({ min: 0, max: 320 * 320 * 3 + 1 }), { maxLength: 2 }), {
        nil: undefined,
      }),
      typed: fc.option(fc.array(fc.integer({ min: -1, max: 300 }), { maxLength: 8 }), {
        nil: undefined,
      }),
      outputs: fc.array(fc.constantFrom('head', 'detections', 'nope'), { maxLength: 2 }),
      confidence: fc.option(fc.oneof(fc.double(), fc.constant(2)), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        await answersOrRefuses(() =>
          oip.call('ModelInfer', {
            model_name: r.model,
            inputs: r.inputs.map((input) => ({
              ...input,
              ...(r.typed && { contents: { uint_contents: r.typed.map((v) => Math.abs(v)) } }),
            })),
            ...(r.raw && { raw_input_contents: r.raw.map((length) => Buffer.alloc(length, 7)) }),
            outputs: r.outputs.map((name) => ({
              name,
              ...(r.confidence !== undefined && {
                parameters: { confidence: { double_param: r.confidence } },
              }),
            })),
          }),
        );
      }),
      fuzzParameters(40),
    );
  });

  it('ModelInfer over REST: any JSON body, a clear 4xx or an answer', async () => {
    const base = `http://127.0.0.1:${service.metricsPort}/v2/models/banana-detector/infer`;
    const body = fc.oneof(
      fc.json(),
      fc
        .record({
          inputs: fc.array(
            fc.record({
              name: fc.constantFrom('images', 'x'),
              datatype: fc.constantFrom(...DATATYPES),
              shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()), {
                maxLength: 4,
              }),
              data: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 6 }), fc.jsonValue()),
            }),
            { maxLength: 2 },
          ),
          parameters: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
          outputs: fc.option(fc.array(fc.jsonValue(), { maxLength: 2 }), { nil: undefined }),
        })
        .map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const answer = await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        assert.ok(answer.status < 500, `${answer.status} for ${text.slice(0, 200)}`);
        const json = (await answer.json()) as { error?: unknown };
        if (answer.status !== 200) assert.equal(typeof json.error, 'string');
      }),
      fuzzParameters(100),
    );
  });

  it('still serves a photo afterwards', async () => {
    const photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
    const answer = await detector.detect({ image: photo });
    assert.deepEqual(answer.imageSize, { width: 320, height: 240 });
    assert.equal(await detector.checkHealth(), 'SERVING');
  });
});

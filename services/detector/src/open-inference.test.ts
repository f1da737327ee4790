// The Open Inference Protocol on a real detector service: every gRPC method through a client
// built at run time from proto/inference/grpc_predict_v2.proto (no generated code), the
// same boxes as banana.v1 Detect, the raw head equal to the model's own ONNX run, every kind
// of bad tensor refused with INVALID_ARGUMENT / NOT_FOUND naming the problem, and the REST side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  createDetectorClient,
  status,
  type DetectorClient,
  type DetectResponse,
} from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { unletterboxBox, type LetterboxGeometry } from '../../../lib/vision/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { checkHealth } from '../../../test/support/health-client.js';
import { letterboxed } from '../../../test/support/letterboxed.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import {
  float32s,
  openInferenceClient,
  type OipClient,
  type OipInferResponse,
  type OipMetadataResponse,
} from '../../../test/support/open-inference-client.js';
import { loadDetectorCard } from '../../../lib/model-card/index.js';
import { repoPath } from '../../../test/support/paths.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const MODEL = 'banana-detector';
/** The shipped card's version: the one the service serves. */
const VERSION = (await loadDetectorCard(repoPath('models/detector.json'))).version;
const SIDE = 320;
const IMAGE_BYTES = SIDE * SIDE * 3;
const images = (count = 1) => ({
  name: 'images',
  datatype: 'UINT8',
  shape: [count, SIDE, SIDE, 3],
});

/** What a standard client sends for one 320x320 RGB image: raw_input_contents. */
function rawRequest(pixels: Buffer, extra: object = {}) {
  return {
    model_name: MODEL,
    inputs: [images(pixels.length / IMAGE_BYTES)],
    raw_input_contents: [pixels],
    ...extra,
  };
}

/** detections rows: x1, y1, x2, y2, score, class. */
function rowsOf(answer: OipInferResponse, name: string): number[][] {
  const index = answer.outputs.findIndex((o) => o.name === name);
  assert.ok(index >= 0, `output ${name} returned`);
  const values = Array.from(float32s(answer.raw_output_contents[index] ?? Buffer.alloc(0)));
  const width = answer.outputs[index]?.shape.at(-1) ?? 1;
  return Array.from({ length: values.length / width }, (_, i) =>
    values.slice(i * width, (i + 1) * width),
  );
}

function assertClose(actual: number, expected: number, what: string, tolerance = 1e-3) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

function assertSameBoxes(
  rows: number[][],
  detect: DetectResponse,
  geometry: LetterboxGeometry,
): void {
  assert.equal(rows.length, detect.detections.length, 'as many boxes as Detect');
  rows.forEach((row, i) => {
    const [xMin = 0, yMin = 0, xMax = 0, yMax = 0, score = 0, label = -1] = row;
    const box = unletterboxBox({ xMin, yMin, xMax, yMax }, geometry);
    const expected = detect.detections[i];
    assert.ok(expected?.box);
    for (const key of ['xMin', 'yMin', 'xMax', 'yMax'] as const)
      assertClose(box[key], expected.box[key], `box ${i} ${key}`);
    assertClose(score, expected.confidence, `box ${i} score`, 1e-6);
    assert.equal(label, 0);
  });
}

describe('detector: Open Inference Protocol (gRPC)', () => {
  let service: RunningService;
  let oip: OipClient;
  let detector: DetectorClient;
  let photo: Buffer;
  let prepared: Awaited<ReturnType<typeof letterboxed>>;

  before(async () => {
    service = await startDetectorService(localServiceConfig(parseDetectorConfig));
    oip = openInferenceClient(`127.0.0.1:${service.grpcPort}`);
    detector = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
    photo = await syntheticBananaPhoto({ width: 640, height: 480, bananas: 3 });
    prepared = await letterboxed(photo, await detector.getModelInfo());
  });

  after(async () => {
    oip.close();
    detector.close();
    await service.shutdown();
  });

  it('ServerLive, ServerReady, ServerMetadata, ModelReady; health lists the service', async () => {
    assert.deepEqual(await oip.call('ServerLive', {}), { live: true });
    assert.deepEqual(await oip.call('ServerReady', {}), { ready: true });
    assert.deepEqual(await oip.call('ServerMetadata', {}), {
      name: 'banana-detector',
      version: VERSION,
      extensions: [],
    });
    assert.deepEqual(await oip.call('ModelReady', { name: MODEL }), { ready: true });
    assert.deepEqual(await oip.call('ModelReady', { name: MODEL, version: VERSION }), {
      ready: true,
    });
    await rejectsWithStatus(oip.call('ModelReady', { name: 'resnet' }), status.NOT_FOUND);
    assert.equal(await checkHealth(service.grpcPort, 'inference.GRPCInferenceService'), 'SERVING');
  });

  it('ModelMetadata: the card input UINT8 [-1, 320, 320, 3], outputs head and detections', async () => {
    const metadata = await oip.call<OipMetadataResponse>('ModelMetadata', { name: MODEL });
    assert.deepEqual(metadata, {
      name: MODEL,
      versions: [VERSION],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'images', datatype: 'UINT8', shape: [-1, 320, 320, 3] }],
      // 20x20 + 10x10 + 5x5 cells (the card's levels).
      outputs: [
        { name: 'head', datatype: 'FP32', shape: [-1, 525, 5] },
        { name: 'detections', datatype: 'FP32', shape: [-1, 6] },
      ],
      // The detections output's defaults and where the confidence comes from (field 6, an
      // extension of the protocol's message).
      parameters: {
        confidence: { double_param: 0.38, parameter_choice: 'double_param' },
        confidence_source: { string_param: 'model card', parameter_choice: 'string_param' },
        iou: { double_param: 0.4, parameter_choice: 'double_param' },
        max_detections: { int64_param: 100, parameter_choice: 'int64_param' },
      },
    });
    await rejectsWithStatus(
      oip.call('ModelMetadata', { name: 'banana-detektor' }),
      status.NOT_FOUND,
      /model "banana-detektor" is not served here \(serving "banana-detector"\)/,
    );
    await rejectsWithStatus(
      oip.call('ModelMetadata', { name: MODEL, version: '9' }),
      status.NOT_FOUND,
      new RegExp(
        `version "9" of banana-detector is not served here \\(serving ${VERSION.replaceAll('.', '\\.')}\\)`,
      ),
    );
  });

  it('ModelInfer: raw head equals the model run by onnxruntime directly', async () => {
    const answer = await oip.call<OipInferResponse>(
      'ModelInfer',
      rawRequest(prepared.pixels.rgb, { id: 'req-1' }),
    );
    assert.equal(answer.model_name, MODEL);
    assert.equal(answer.model_version, VERSION);
    assert.equal(answer.id, 'req-1');
    assert.deepEqual(
      answer.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
      [{ name: 'head', datatype: 'FP32', shape: [1, 525, 5] }],
    );
    const head = float32s(answer.raw_output_contents[0] ?? Buffer.alloc(0));
    const session = await ort.InferenceSession.create(repoPath('models/detector.onnx'));
    try {
      const input = new ort.Tensor('uint8', Uint8Array.from(prepared.pixels.rgb), [
        1,
        SIDE,
        SIDE,
        3,
      ]);
      const own = (await session.run({ images: input })).head;
      assert.ok(own);
      assert.deepEqual(own.dims, [1, 525, 5]);
      const expected = own.data as Float32Array;
      assert.equal(head.length, expected.length);
      let worst = 0;
      for (let i = 0; i < head.length; i++)
        worst = Math.max(worst, Math.abs((head[i] ?? 0) - (expected[i] ?? 0)));
      assert.ok(worst < 1e-4, `largest difference ${worst}`);
    } finally {
      await session.release();
    }
  });

  it('ModelInfer + detections: the same boxes as Detect on the same pixels', async () => {
    const answer = await oip.call<OipInferResponse>(
      'ModelInfer',
      rawRequest(prepared.pixels.rgb, { outputs: [{ name: 'detections' }] }),
    );
    assert.deepEqual(
      answer.outputs.map((o) => o.name),
      ['detections'],
    );
    const rows = rowsOf(answer, 'detections');
    assert.ok(rows.length >= 1, 'the synthetic photo has bananas');
    // Detect on the letterboxed pixels of the input's own size: boxes in input pixels.
    const identity = {
      pixels: prepared.pixels,
      letterbox: { originalSize: { width: SIDE, height: SIDE }, scale: 1, offsetX: 0, offsetY: 0 },
    };
    const self = {
      source: { width: SIDE, height: SIDE },
      target: { width: SIDE, height: SIDE },
      scale: 1,
      resized: { width: SIDE, height: SIDE },
      offsetX: 0,
      offsetY: 0,
    };
    assertSameBoxes(rows, await detector.detect({ letterboxed: identity }), self);
    // Mapped back to the photo, they are Detect's boxes for the encoded photo.
    const { originalSize, scale, offsetX, offsetY } = prepared.letterbox;
    const geometry = { ...self, source: originalSize, scale, offsetX, offsetY };
    assertSameBoxes(rows, await detector.detect({ image: photo }), geometry);
  });

  it('detections parameters: confidence, iou, max_detections, checked like Detect', async () => {
    const ask = (parameters: object, where: 'request' | 'output' = 'output') =>
      oip.call<OipInferResponse>(
        'ModelInfer',
        rawRequest(prepared.pixels.rgb, {
          outputs: [{ name: 'detections', ...(where === 'output' ? { parameters } : {}) }],
          ...(where === 'request' ? { parameters } : {}),
        }),
      );
    const one = await ask({ max_detections: { int64_param: 1 }, confidence: { double_param: 0 } });
    assert.equal(rowsOf(one, 'detections').length, 1);
    const low = rowsOf(await ask({ confidence: { double_param: 0.01 } }, 'request'), 'detections');
    const strict = rowsOf(await ask({ confidence: { double_param: 0.99 } }), 'detections');
    assert.ok(low.length > strict.length, `${low.length} boxes at 0.01, ${strict.length} at 0.99`);
    await rejectsWithStatus(
      ask({ confidence: { double_param: 2 } }),
      status.INVALID_ARGUMENT,
      /confidence must be in \[0, 1\], got 2/,
    );
    await rejectsWithStatus(
      ask({ iou: { double_param: -0.5 } }),
      status.INVALID_ARGUMENT,
      /iou must be in \(0, 1\], got -0.5/,
    );
    await rejectsWithStatus(
      ask({ max_detections: { int64_param: 0 } }),
      status.INVALID_ARGUMENT,
      /max_detections must be in \[1, 300\], got 0/,
    );
    await rejectsWithStatus(
      ask({ max_detections: { double_param: 2.5 } }),
      status.INVALID_ARGUMENT,
      /parameter "max_detections" must be an integer, got 2.5/,
    );
    await rejectsWithStatus(
      ask({ confidence: { string_param: 'high' } }),
      status.INVALID_ARGUMENT,
      /parameter "confidence" must be a number, got "high"/,
    );
  });

  it('typed contents (uint_contents) give the same head as raw_input_contents', async () => {
    const raw = await oip.call<OipInferResponse>('ModelInfer', rawRequest(prepared.pixels.rgb));
    const typed = await oip.call<OipInferResponse>('ModelInfer', {
      model_name: MODEL,
      inputs: [{ ...images(), contents: { uint_contents: Array.from(prepared.pixels.rgb) } }],
    });
    assert.deepEqual(typed.raw_output_contents, raw.raw_output_contents);
  });

  it('a batch of two images: head [2, 525, 5], each row the image run alone', async () => {
    const other = Buffer.alloc(IMAGE_BYTES, 114);
    const both = await oip.call<OipInferResponse>(
      'ModelInfer',
      rawRequest(Buffer.concat([prepared.pixels.rgb, other])),
    );
    assert.deepEqual(both.outputs[0]?.shape, [2, 525, 5]);
    const batched = float32s(both.raw_output_contents[0] ?? Buffer.alloc(0));
    for (const [n, pixels] of [prepared.pixels.rgb, other].entries()) {
      const alone = await oip.call<OipInferResponse>('ModelInfer', rawRequest(pixels));
      const rows = float32s(alone.raw_output_contents[0] ?? Buffer.alloc(0));
      const part = batched.subarray(n * rows.length, (n + 1) * rows.length);
      part.forEach((v, i) => {
        assertClose(v, rows[i] ?? NaN, `image ${n} value ${i}`, 1e-4);
      });
    }
    await rejectsWithStatus(
      oip.call(
        'ModelInfer',
        rawRequest(Buffer.concat([other, other]), { outputs: [{ name: 'detections' }] }),
      ),
      status.INVALID_ARGUMENT,
      /output "detections" needs a batch of one image, got 2/,
    );
  });

  it('refuses bad tensors naming what is wrong, raw and typed, and keeps serving', async () => {
    const pixels = Buffer.alloc(IMAGE_BYTES, 7);
    const bad = async (request: object, code: status, message: RegExp) => {
      await rejectsWithStatus(oip.call('ModelInfer', request), code, message);
    };
    const typed = (input: object) => ({ model_name: MODEL, inputs: [input] });
    const values = Array.from(pixels);
    await bad(
      { ...rawRequest(pixels), model_name: 'yolo' },
      status.NOT_FOUND,
      /model "yolo" is not served here/,
    );
    await bad(
      { ...rawRequest(pixels), model_version: '1.0.0' },
      status.NOT_FOUND,
      /version "1.0.0" of banana-detector is not served here/,
    );
    // name
    await bad(
      { ...rawRequest(pixels), inputs: [{ ...images(), name: 'input_0' }] },
      status.INVALID_ARGUMENT,
      /unknown input "input_0": banana-detector takes "images"/,
    );
    await bad(
      typed({ ...images(), name: 'x', contents: { uint_contents: values } }),
      status.INVALID_ARGUMENT,
      /unknown input "x"/,
    );
    await bad(
      { model_name: MODEL, inputs: [] },
      status.INVALID_ARGUMENT,
      /no input: banana-detector takes "images" UINT8 \[-1,320,320,3\]/,
    );
    // datatype
    await bad(
      { ...rawRequest(pixels), inputs: [{ ...images(), datatype: 'FP32' }] },
      status.INVALID_ARGUMENT,
      /input "images" has datatype "FP32", but banana-detector takes UINT8/,
    );
    await bad(
      typed({ ...images(), datatype: 'FP32', contents: { fp32_contents: values } }),
      status.INVALID_ARGUMENT,
      /input "images" has datatype "FP32", but banana-detector takes UINT8/,
    );
    await bad(
      typed({ ...images(), datatype: 'INT64', contents: { int64_contents: [1] } }),
      status.INVALID_ARGUMENT,
      /has datatype "INT64", but banana-detector takes UINT8/,
    );
    // shape
    await bad(
      { ...rawRequest(pixels), inputs: [{ ...images(), shape: [1, 3, 320, 320] }] },
      status.INVALID_ARGUMENT,
      /input "images" has shape \[1,3,320,320\], but banana-detector takes \[-1,320,320,3\]/,
    );
    await bad(
      typed({ ...images(), shape: [320, 320, 3], contents: { uint_contents: values } }),
      status.INVALID_ARGUMENT,
      /has shape \[320,320,3\], but banana-detector takes \[-1,320,320,3\]/,
    );
    await bad(
      { ...rawRequest(pixels), inputs: [{ ...images(), shape: [0, 320, 320, 3] }] },
      status.INVALID_ARGUMENT,
      /every dimension must be a positive integer/,
    );
    // byte length / element count
    await bad(
      { ...rawRequest(pixels), raw_input_contents: [pixels.subarray(1)] },
      status.INVALID_ARGUMENT,
      /input "images" has 307199 bytes of data, but shape \[1,320,320,3\] of UINT8 needs 307200/,
    );
    await bad(
      typed({ ...images(), contents: { uint_contents: values.slice(1) } }),
      status.INVALID_ARGUMENT,
      /input "images" has 307199 elements, but shape \[1,320,320,3\] needs 307200/,
    );
    await bad(
      typed({ ...images(), contents: { uint_contents: [...values.slice(1), 256] } }),
      status.INVALID_ARGUMENT,
      /element 307199 is 256, not a UINT8 value \(an integer from 0 to 255\)/,
    );
    await bad(
      typed({ ...images(), contents: { fp32_contents: values } }),
      status.INVALID_ARGUMENT,
      /UINT8 elements go in contents.uint_contents, got contents.fp32_contents/,
    );
    await bad(typed(images()), status.INVALID_ARGUMENT, /input "images" has no data/);
    await bad(
      { ...rawRequest(pixels), inputs: [{ ...images(), contents: { uint_contents: [1] } }] },
      status.INVALID_ARGUMENT,
      /sets contents while raw_input_contents is used/,
    );
    await bad(
      { ...rawRequest(pixels), raw_input_contents: [pixels, pixels] },
      status.INVALID_ARGUMENT,
      /raw_input_contents has 2 entries for 1 inputs/,
    );
    await bad(
      rawRequest(pixels, { outputs: [{ name: 'boxes' }] }),
      status.INVALID_ARGUMENT,
      /unknown output "boxes": banana-detector has "head", "detections"/,
    );
    assert.ok(await oip.call('ModelInfer', rawRequest(pixels)));
  });

  it('counts ModelInfer in the request metrics and its model runs in the batch histogram', async () => {
    const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    assert.match(
      text,
      /^banana_grpc_requests_total\{service="detector",method="ModelInfer",code="OK"\} [1-9]/m,
    );
    assert.match(
      text,
      /^banana_grpc_requests_total\{service="detector",method="ModelInfer",code="INVALID_ARGUMENT"\} [1-9]/m,
    );
    assert.match(text, /^banana_inference_batch_size_bucket\{le="2",[^}]*\} [1-9]/m);
  });
});

// The Open Inference Protocol on a real classifier service: metadata from the card, ModelInfer
// (gRPC, client loaded from the .proto at run time, and REST) giving the logits whose softmax
// is banana.v1 Classify's answer for the same crops, bad tensors and MAX_BATCH refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createClassifierClient,
  status,
  type ClassifierClient,
} from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { softmax } from '../../../lib/vision/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import {
  float32s,
  openInferenceClient,
  type OipClient,
  type OipInferResponse,
  type OipMetadataResponse,
} from '../../../test/support/open-inference-client.js';
import { parseClassifierConfig } from './config.js';
import { startClassifierService } from './server.js';

const MODEL = 'banana-ripeness-classifier';
const SIDE = 128;
const CROP_BYTES = SIDE * SIDE * 3;
const MAX_BATCH = 4;

/** A crop of one colour with a gradient, so crops differ. */
function crop(r: number, g: number, b: number): Buffer {
  const bytes = Buffer.alloc(CROP_BYTES);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const shade = (i % SIDE) / 4;
    bytes[i * 3] = Math.min(255, r + shade);
    bytes[i * 3 + 1] = Math.min(255, g + shade);
    bytes[i * 3 + 2] = b;
  }
  return bytes;
}

const crops = (count: number) => ({
  name: 'crops',
  datatype: 'UINT8',
  shape: [count, SIDE, SIDE, 3],
});

describe('classifier: Open Inference Protocol', () => {
  let service: RunningService;
  let oip: OipClient;
  let classifier: ClassifierClient;
  const green = crop(90, 160, 40);
  const brown = crop(110, 70, 20);

  before(async () => {
    service = await startClassifierService(
      localServiceConfig(parseClassifierConfig, { maxBatch: MAX_BATCH }),
    );
    oip = openInferenceClient(`127.0.0.1:${service.grpcPort}`);
    classifier = createClassifierClient({ target: `127.0.0.1:${service.grpcPort}` });
  });

  after(async () => {
    oip.close();
    classifier.close();
    await service.shutdown();
  });

  it('ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata from the card', async () => {
    assert.deepEqual(await oip.call('ServerLive', {}), { live: true });
    assert.deepEqual(await oip.call('ServerReady', {}), { ready: true });
    assert.deepEqual(await oip.call('ServerMetadata', {}), {
      name: 'banana-classifier',
      version: '2.0.0',
      extensions: [],
    });
    assert.deepEqual(await oip.call('ModelReady', { name: MODEL }), { ready: true });
    assert.deepEqual(await oip.call<OipMetadataResponse>('ModelMetadata', { name: MODEL }), {
      name: MODEL,
      versions: ['2.0.0'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'crops', datatype: 'UINT8', shape: [-1, 128, 128, 3] }],
      outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 6] }],
      parameters: {}, // the classifier takes no request parameters
    });
    await rejectsWithStatus(
      oip.call('ModelMetadata', { name: 'banana-detector' }),
      status.NOT_FOUND,
      /model "banana-detector" is not served here \(serving "banana-ripeness-classifier"\)/,
    );
  });

  it('ModelInfer: logits whose softmax is Classify for the same crops, gRPC and REST', async () => {
    const answer = await oip.call<OipInferResponse>('ModelInfer', {
      model_name: MODEL,
      inputs: [crops(2)],
      raw_input_contents: [Buffer.concat([green, brown])],
    });
    assert.deepEqual(
      answer.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
      [{ name: 'logits', datatype: 'FP32', shape: [2, 6] }],
    );
    const logits = Array.from(float32s(answer.raw_output_contents[0] ?? Buffer.alloc(0)));
    const expected = await classifier.classify({
      rawCrops: [green, brown].map((rgb) => ({ rgb, width: SIDE, height: SIDE })),
    });
    expected.results.forEach((result, n) => {
      const probabilities = softmax(logits.slice(n * 6, (n + 1) * 6));
      probabilities.forEach((p, i) => {
        assert.ok(Math.abs(p - (result.probabilities[i] ?? NaN)) < 1e-5, `crop ${n} class ${i}`);
      });
    });
    const rest = await fetch(`http://127.0.0.1:${service.metricsPort}/v2/models/${MODEL}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ ...crops(2), data: [...green, ...brown] }] }),
    });
    assert.equal(rest.status, 200);
    const body = (await rest.json()) as { outputs: Array<{ name: string; data: number[] }> };
    const [output] = body.outputs;
    assert.ok(output);
    assert.equal(output.name, 'logits');
    assert.deepEqual(output.data, logits);
    const metadata = await fetch(`http://127.0.0.1:${service.metricsPort}/v2/models/${MODEL}`);
    assert.equal(metadata.status, 200);
  });

  it('refuses bad tensors and batches above MAX_BATCH', async () => {
    const bad = (request: object, message: RegExp) =>
      rejectsWithStatus(oip.call('ModelInfer', request), status.INVALID_ARGUMENT, message);
    await bad(
      { model_name: MODEL, inputs: [crops(1)], raw_input_contents: [Buffer.alloc(100 * 100 * 3)] },
      /input "crops" has 30000 bytes of data, but shape \[1,128,128,3\] of UINT8 needs 49152/,
    );
    // One byte more than the shape needs is as wrong as one byte less.
    await bad(
      { model_name: MODEL, inputs: [crops(1)], raw_input_contents: [Buffer.alloc(CROP_BYTES + 1)] },
      /input "crops" has 49153 bytes of data, but shape \[1,128,128,3\] of UINT8 needs 49152/,
    );
    await bad(
      {
        model_name: MODEL,
        inputs: [{ ...crops(1), shape: [1, 100, 100, 3] }],
        raw_input_contents: [Buffer.alloc(100 * 100 * 3)],
      },
      /input "crops" has shape \[1,100,100,3\], but banana-ripeness-classifier takes \[-1,128,128,3\]/,
    );
    await bad(
      {
        model_name: MODEL,
        inputs: [{ ...crops(1), name: 'images' }],
        raw_input_contents: [green],
      },
      /unknown input "images": banana-ripeness-classifier takes "crops"/,
    );
    await bad(
      {
        model_name: MODEL,
        inputs: [crops(MAX_BATCH + 1)],
        raw_input_contents: [Buffer.alloc(CROP_BYTES * (MAX_BATCH + 1))],
      },
      /input "crops" holds a batch of 5 images, above the limit of 4 \(MAX_BATCH\)/,
    );
    // Exactly MAX_BATCH is within the limit.
    const full = await oip.call<{ outputs: { shape: number[] }[] }>('ModelInfer', {
      model_name: MODEL,
      inputs: [crops(MAX_BATCH)],
      raw_input_contents: [Buffer.alloc(CROP_BYTES * MAX_BATCH)],
    });
    assert.deepEqual(full.outputs[0]?.shape.map(Number), [MAX_BATCH, 6]);
    await rejectsWithStatus(
      oip.call('ModelInfer', { model_name: 'banana-detector', inputs: [] }),
      status.NOT_FOUND,
    );
  });
});

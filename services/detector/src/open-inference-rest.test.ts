// The Open Inference Protocol's REST side on a real detector service (the metrics port): every
// route, the same tensors as the gRPC side, JSON errors with the protocol's {"error": "..."};
// then the hostile corpus and the decode budget (MAX_INFLIGHT_PIXELS) against ModelInfer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isServiceError, status } from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import {
  float32s,
  openInferenceClient,
  type OipClient,
  type OipInferResponse,
} from '../../../test/support/open-inference-client.js';
import { HOSTILE_CASES } from '../../../test/reliability/hostile-corpus.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import { decodeLetterboxed } from '../../../lib/vision/index.js';
import { loadDetectorCard } from '../../../lib/model-card/index.js';
import { repoPath } from '../../../test/support/paths.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const MODEL = 'banana-detector';
/** The shipped card's version: the one the service serves. */
const VERSION = (await loadDetectorCard(repoPath('models/detector.json'))).version;
const SIDE = 320;
const IMAGE_BYTES = SIDE * SIDE * 3;
const MAX_MESSAGE_BYTES = 2_000_000;

interface RestAnswer {
  status: number;
  body: Record<string, unknown>;
}

interface RestTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
}

async function modelPixels(): Promise<Buffer> {
  const card = await loadDetectorCard(repoPath('models/detector.json'));
  const photo = await syntheticBananaPhoto({ width: 640, height: 480, bananas: 3 });
  const { image } = await decodeLetterboxed(photo, card.input, { maxPixels: 50_000_000 });
  return Buffer.from(image.data);
}

const rawRequest = (pixels: Buffer, extra: object = {}) => ({
  model_name: MODEL,
  inputs: [{ name: 'images', datatype: 'UINT8', shape: [1, SIDE, SIDE, 3] }],
  raw_input_contents: [pixels],
  ...extra,
});

describe('detector: Open Inference Protocol (REST)', () => {
  let service: RunningService;
  let oip: OipClient;
  let pixels: Buffer;
  let base: string;

  const get = async (path: string): Promise<RestAnswer> => {
    const response = await fetch(`${base}${path}`);
    assert.match(String(response.headers.get('content-type')), /^application\/json/);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body: unknown): Promise<RestAnswer> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.match(String(response.headers.get('content-type')), /^application\/json/);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const imagesJson = (data: unknown, extra: object = {}) => ({
    inputs: [{ name: 'images', datatype: 'UINT8', shape: [1, SIDE, SIDE, 3], data, ...extra }],
  });

  before(async () => {
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, { maxMessageBytes: MAX_MESSAGE_BYTES }),
    );
    oip = openInferenceClient(`127.0.0.1:${service.grpcPort}`);
    base = `http://127.0.0.1:${service.metricsPort}`;
    pixels = await modelPixels();
  });

  after(async () => {
    oip.close();
    await service.shutdown();
  });

  it('GET /v2, /v2/health/live, /v2/health/ready', async () => {
    assert.deepEqual(await get('/v2'), {
      status: 200,
      body: { name: 'banana-detector', version: VERSION, extensions: [] },
    });
    assert.deepEqual(await get('/v2/health/live'), { status: 200, body: { live: true } });
    assert.deepEqual(await get('/v2/health/ready'), { status: 200, body: { ready: true } });
  });

  it('GET /v2/models/{name}[/versions/{version}][/ready]', async () => {
    const metadata = await get(`/v2/models/${MODEL}`);
    assert.equal(metadata.status, 200);
    assert.deepEqual(metadata.body.inputs, [
      { name: 'images', datatype: 'UINT8', shape: [-1, 320, 320, 3] },
    ]);
    assert.deepEqual(metadata.body.outputs, [
      { name: 'head', datatype: 'FP32', shape: [-1, 525, 5] },
      { name: 'detections', datatype: 'FP32', shape: [-1, 6] },
    ]);
    assert.deepEqual(await get(`/v2/models/${MODEL}/versions/${VERSION}`), metadata);
    assert.deepEqual(await get(`/v2/models/${MODEL}/ready`), {
      status: 200,
      body: { name: MODEL, ready: true },
    });
    assert.deepEqual(await get(`/v2/models/${MODEL}/versions/${VERSION}/ready`), {
      status: 200,
      body: { name: MODEL, ready: true },
    });
    assert.deepEqual(await get('/v2/models/resnet50'), {
      status: 404,
      body: { error: 'model "resnet50" is not served here (serving "banana-detector")' },
    });
    assert.equal((await get(`/v2/models/${MODEL}/versions/1/ready`)).status, 404);
    assert.equal((await get('/v2/repository/index')).status, 404);
  });

  it('POST infer: the same head and detections as ModelInfer over gRPC', async () => {
    const grpc = await oip.call<OipInferResponse>(
      'ModelInfer',
      rawRequest(pixels, { outputs: [{ name: 'head' }, { name: 'detections' }] }),
    );
    const rest = await post(`/v2/models/${MODEL}/infer`, {
      id: 'rest-1',
      ...imagesJson(Array.from(pixels)),
      outputs: [{ name: 'head' }, { name: 'detections' }],
    });
    assert.equal(rest.status, 200, JSON.stringify(rest.body).slice(0, 300));
    assert.equal(rest.body.model_name, MODEL);
    assert.equal(rest.body.model_version, VERSION);
    assert.equal(rest.body.id, 'rest-1');
    const outputs = rest.body.outputs as RestTensor[];
    assert.deepEqual(
      outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
      grpc.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    );
    outputs.forEach((tensor, i) => {
      assert.deepEqual(
        tensor.data,
        Array.from(float32s(grpc.raw_output_contents[i] ?? Buffer.alloc(0))),
      );
    });
    assert.ok((outputs[1]?.data.length ?? 0) >= 6, 'the photo has bananas');
  });

  it('POST infer: nested data, parameters, the versioned path', async () => {
    const rows = Array.from({ length: SIDE }, (_, y) =>
      Array.from({ length: SIDE }, (_, x) => {
        const at = (y * SIDE + x) * 3;
        return [pixels[at], pixels[at + 1], pixels[at + 2]];
      }),
    );
    const answer = await post(`/v2/models/${MODEL}/versions/${VERSION}/infer`, {
      ...imagesJson([rows]),
      parameters: { max_detections: 1, confidence: 0.01 },
      outputs: [{ name: 'detections' }],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual((answer.body.outputs as RestTensor[])[0]?.shape, [1, 6]);
  });

  it('answers bad requests with 4xx and {"error": "..."} naming the problem', async () => {
    const infer = `/v2/models/${MODEL}/infer`;
    const values = Array.from(pixels);
    const cases: Array<[unknown, number, RegExp]> = [
      ['{"inputs": [', 400, /the body is not valid JSON/],
      ['[1, 2]', 400, /the body must be a JSON object with "inputs"/],
      [{ inputs: 'x' }, 400, /"inputs" must be an array of tensors/],
      [imagesJson(values, { name: 'pixels' }), 400, /unknown input "pixels"/],
      [imagesJson(values, { datatype: 'FP16' }), 400, /has datatype "FP16", but .* takes UINT8/],
      [imagesJson(values, { shape: [1, 320, 320] }), 400, /has shape \[1,320,320\]/],
      [imagesJson(values.slice(3)), 400, /has 307197 elements, but shape \[1,320,320,3\] needs/],
      [imagesJson(values.map((v) => v - 0.5)), 400, /element 0 is \d+.5, not a UINT8 value/],
      [imagesJson(values.map(String)), 400, /element 0 is "\d+", not a UINT8 value/],
      [imagesJson(undefined), 400, /input "images" has no data/],
      [{ ...imagesJson(values), outputs: [{ name: 'x' }] }, 400, /unknown output "x"/],
      [
        { ...imagesJson(values), parameters: { confidence: 7 }, outputs: [{ name: 'detections' }] },
        400,
        /confidence must be in \[0, 1\], got 7/,
      ],
      [
        {
          inputs: [
            {
              name: 'images',
              datatype: 'UINT8',
              shape: [2, SIDE, SIDE, 3],
              data: values.concat(values),
            },
          ],
        },
        413,
        /the body is above the limit \(MAX_MESSAGE_BYTES\)/,
      ],
    ];
    for (const [body, code, message] of cases) {
      const answer = await post(infer, body);
      assert.equal(answer.status, code, JSON.stringify(answer.body));
      assert.match(String(answer.body.error), message);
    }
    const unknown = await post('/v2/models/yolo/infer', imagesJson(values));
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /model "yolo" is not served here/);
    // Still serving, /metrics included, REST calls counted.
    assert.equal((await post(infer, imagesJson(values))).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /method="http:ModelInfer",code="OK"\} [1-9]/);
    assert.match(metrics, /method="http:ModelInfer",code="INVALID_ARGUMENT"\} [1-9]/);
  });

  it('refuses every body of the hostile corpus, over gRPC and REST, and keeps serving', async () => {
    for (const testCase of HOSTILE_CASES) {
      const { body } = await testCase.build();
      try {
        await oip.call('ModelInfer', rawRequest(body));
        assert.equal(body.length, IMAGE_BYTES, `${testCase.name}: served`);
      } catch (error) {
        assert.ok(isServiceError(error), `${testCase.name}: ${String(error)}`);
        // Above MAX_MESSAGE_BYTES grpc-js refuses the message itself.
        const expected =
          body.length > MAX_MESSAGE_BYTES ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';
        assert.equal(status[error.code], expected, `${testCase.name}: ${error.details}`);
      }
      const response = await fetch(`${base}/v2/models/${MODEL}/infer`, { method: 'POST', body });
      assert.ok(
        response.status === 400 || response.status === 413,
        `${testCase.name}: HTTP ${response.status}`,
      );
      assert.equal(typeof ((await response.json()) as { error?: unknown }).error, 'string');
    }
    assert.ok(await oip.call('ModelInfer', rawRequest(pixels)));
  });
});

describe('detector: ModelInfer within the decode budget (MAX_INFLIGHT_PIXELS)', () => {
  // Room for one 320x320 image at a time, one more waiting.
  const BUDGET = 150_000;
  let service: RunningService;
  let oip: OipClient;

  before(async () => {
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, {
        maxInflightPixels: BUDGET,
        maxQueue: 1,
      }),
    );
    oip = openInferenceClient(`127.0.0.1:${service.grpcPort}`);
  });

  after(async () => {
    oip.close();
    await service.shutdown();
  });

  const gauge = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    return Number(new RegExp(`^${name}\\{service="detector"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };

  it('refuses a batch above the budget and queues or refuses calls beyond it', async () => {
    const image = Buffer.alloc(IMAGE_BYTES, 114);
    await rejectsWithStatus(
      oip.call('ModelInfer', {
        ...rawRequest(Buffer.concat([image, image])),
        inputs: [{ name: 'images', datatype: 'UINT8', shape: [2, SIDE, SIDE, 3] }],
      }),
      status.INVALID_ARGUMENT,
      /input "images" has 204800 pixels to decode, above the service's decode budget of 150000/,
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, () => oip.call('ModelInfer', rawRequest(image))),
    );
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    for (const error of refused) {
      assert.ok(isServiceError(error), String(error));
      assert.equal(status[error.code], 'RESOURCE_EXHAUSTED', error.details);
    }
    assert.ok(refused.length > 0, 'sixteen at once overflow one running + one waiting');
    assert.ok(outcomes.length - refused.length >= 2);
    const peak = await gauge('banana_decode_pixels_in_flight_peak');
    assert.ok(peak <= BUDGET && peak >= SIDE * SIDE, `peak ${peak}`);
    assert.equal(await gauge('banana_decode_pixels_in_flight'), 0);
    assert.ok(await oip.call('ModelInfer', rawRequest(image)));
  });
});

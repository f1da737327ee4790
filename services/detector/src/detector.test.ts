import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  createDetectorClient,
  status,
  type DetectorClient,
  type DetectResponse,
} from '../../../lib/client/index.js';
import { loadDetectorCard, type DetectorCard } from '../../../lib/model-card/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { checkHealth, watchHealth } from '../../../test/support/health-client.js';
import { bananaScene, noisePng, solidImage, twoToneJpeg } from '../../../test/support/images.js';
import { repoPath } from '../../../test/support/paths.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import {
  fileByFilename,
  fileContainingSymbol,
  listServices,
} from '../../../scripts/lib/reflection-client.js';
import { parseDetectorConfig, type DetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const MAX_IMAGE_PIXELS = 10_000_000;

function testConfig(overrides: Partial<DetectorConfig> = {}): DetectorConfig {
  return localServiceConfig(parseDetectorConfig, {
    maxImagePixels: MAX_IMAGE_PIXELS,
    ...overrides,
  });
}

/** Checks what must hold whatever the model's weights: boxes well-formed, inside the image, sorted. */
function assertWellFormed(
  response: DetectResponse,
  width: number,
  height: number,
  card: DetectorCard,
) {
  assert.deepEqual(response.imageSize, { width, height });
  assert.deepEqual(response.model, { name: card.name, version: card.version });
  let previous = Infinity;
  for (const { box, confidence, label } of response.detections) {
    assert.ok(box, 'every detection has a box');
    assert.equal(label, 'banana');
    assert.ok(confidence >= 0 && confidence <= 1, `confidence ${confidence}`);
    assert.ok(confidence <= previous, 'sorted by decreasing confidence');
    previous = confidence;
    assert.ok(
      0 <= box.xMin && box.xMin < box.xMax && box.xMax <= width,
      `x ${box.xMin}..${box.xMax}`,
    );
    assert.ok(
      0 <= box.yMin && box.yMin < box.yMax && box.yMax <= height,
      `y ${box.yMin}..${box.yMax}`,
    );
  }
}

describe('detector service', () => {
  let card: DetectorCard;
  let service: RunningService;
  let client: DetectorClient;

  before(async () => {
    card = await loadDetectorCard(repoPath('models/detector.json'));
    service = await startDetectorService(testConfig());
    client = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
  });

  after(async () => {
    client.close();
    await service.shutdown();
  });

  it('reports SERVING for the server and for banana.v1.Detector', async () => {
    assert.equal(await checkHealth(service.grpcPort, ''), 'SERVING');
    assert.equal(await checkHealth(service.grpcPort, 'banana.v1.Detector'), 'SERVING');
    assert.equal(await client.checkHealth(), 'SERVING');
  });

  it('lists its services over reflection and describes them like grpcurl needs', async () => {
    assert.deepEqual(await listServices(service.grpcPort), [
      'banana.v1.Detector',
      'grpc.health.v1.Health',
      'inference.GRPCInferenceService',
    ]);
    // proto-loader describes each package as one self-contained file: all grpcurl needs.
    const [file] = await fileContainingSymbol(service.grpcPort, 'banana.v1.Detector');
    assert.ok(file);
    assert.deepEqual(
      file.service.map((s) => [s.name, s.method.map((m) => [m.name, m.inputType, m.outputType])]),
      [
        [
          'Detector',
          [
            ['Detect', '.banana.v1.DetectRequest', '.banana.v1.DetectResponse'],
            ['GetModelInfo', '.banana.v1.GetModelInfoRequest', '.banana.v1.GetModelInfoResponse'],
            ['DetectStream', '.banana.v1.DetectStreamRequest', '.banana.v1.DetectStreamResponse'],
          ],
        ],
      ],
    );
    const types = file.messageType.map((m) => m.name);
    for (const type of [
      'DetectRequest',
      'Detection',
      'DetectResponse',
      'Box',
      'ImageSize',
      'ModelInfo',
    ]) {
      assert.ok(types.includes(type), type);
    }
    const unresolved = file.dependency.filter((d) => d !== file.name);
    for (const name of unresolved)
      assert.ok((await fileByFilename(service.grpcPort, name)).length > 0);
  });

  it('detects on JPEG, PNG and WebP images, returning well-formed boxes inside the image', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const response = await client.detect({
        image: await bananaScene(640, 480, format),
        minConfidence: 0,
      });
      assertWellFormed(response, 640, 480, card);
      assert.ok(response.detections.length > 0, 'min_confidence 0 keeps boxes');
      assert.ok(response.detections.length <= card.thresholds.maxDetections);
    }
  });

  it('applies the request thresholds', async () => {
    const image = await bananaScene(500, 700);
    const capped = await client.detect({ image, minConfidence: 0, maxDetections: 3 });
    assert.ok(capped.detections.length > 0 && capped.detections.length <= 3);
    const none = await client.detect({ image, minConfidence: 1 });
    assert.ok(none.detections.every((d) => d.confidence >= 1));
    const strict = await client.detect({ image, minConfidence: 0, iouThreshold: 0.01 });
    assertWellFormed(strict, 500, 700, card);
  });

  it('reports sizes and boxes in EXIF-oriented pixels', async () => {
    const rotated = await twoToneJpeg(
      300,
      200,
      { r: 250, g: 220, b: 40 },
      { r: 30, g: 30, b: 30 },
      6,
    );
    const response = await client.detect({ image: rotated, minConfidence: 0 });
    assertWellFormed(response, 200, 300, card);
  });

  it('accepts a 20 MB image', async () => {
    const image = await noisePng(2700, 2500);
    assert.ok(image.length > 20_000_000);
    const response = await client.detect({ image });
    assertWellFormed(response, 2700, 2500, card);
  });

  const badInputs: [string, () => Promise<Buffer>, status, RegExp][] = [
    [
      'zero bytes',
      () => Promise.resolve(Buffer.alloc(0)),
      status.INVALID_ARGUMENT,
      /image is empty \(0 bytes\)/,
    ],
    [
      'bytes that are no image',
      () => Promise.resolve(Buffer.from('hello, detector')),
      status.INVALID_ARGUMENT,
      /not a JPEG, PNG or WebP image/,
    ],
    [
      'a GIF',
      () =>
        sharp({ create: { width: 8, height: 8, channels: 3, background: 'yellow' } })
          .gif()
          .toBuffer(),
      status.INVALID_ARGUMENT,
      /GIF, which is not supported/,
    ],
    [
      'an SVG',
      () => Promise.resolve(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
      status.INVALID_ARGUMENT,
      /SVG/,
    ],
    [
      'a truncated JPEG',
      async () => (await bananaScene(640, 480)).subarray(0, 2000),
      status.INVALID_ARGUMENT,
      /truncated or corrupt/,
    ],
    [
      'too many pixels',
      () => solidImage(4000, 3000, 'jpeg'),
      status.INVALID_ARGUMENT,
      /12000000 pixels, above the limit of 10000000/,
    ],
  ];
  for (const [name, makeImage, code, details] of badInputs) {
    it(`refuses ${name} and keeps serving`, async () => {
      await rejectsWithStatus(client.detect({ image: await makeImage() }), code, details);
      const next = await client.detect({ image: await bananaScene(64, 48) });
      assertWellFormed(next, 64, 48, card);
    });
  }

  it('refuses a message above MAX_MESSAGE_BYTES with RESOURCE_EXHAUSTED (client and server side)', async () => {
    const image = randomBytes(26_214_400 + 1);
    await rejectsWithStatus(
      client.detect({ image }),
      status.RESOURCE_EXHAUSTED,
      /larger than 26214400/,
    );
    const bigSender = createDetectorClient({
      target: `127.0.0.1:${service.grpcPort}`,
      maxMessageBytes: 64 << 20,
    });
    try {
      await rejectsWithStatus(
        bigSender.detect({ image }),
        status.RESOURCE_EXHAUSTED,
        /larger than max/,
      );
    } finally {
      bigSender.close();
    }
    assertWellFormed(await client.detect({ image: await bananaScene(64, 48) }), 64, 48, card);
  });

  it('refuses out-of-range thresholds, naming the field', async () => {
    const image = await bananaScene(64, 48);
    await rejectsWithStatus(
      client.detect({ image, minConfidence: 1.5 }),
      status.INVALID_ARGUMENT,
      /min_confidence must be in \[0, 1\], got 1.5/,
    );
    await rejectsWithStatus(
      client.detect({ image, iouThreshold: -0.5 }),
      status.INVALID_ARGUMENT,
      /iou_threshold must be in \(0, 1\], got -0.5/,
    );
    // The same range as the function's `iou` option (lib/options): 0 is refused there too.
    await rejectsWithStatus(
      client.detect({ image, iouThreshold: 0 }),
      status.INVALID_ARGUMENT,
      /iou_threshold must be in \(0, 1\], got 0/,
    );
    await rejectsWithStatus(
      client.detect({ image, minConfidence: Number.NaN }),
      status.INVALID_ARGUMENT,
      /min_confidence/,
    );
    await rejectsWithStatus(
      client.detect({ image, maxDetections: 0 }),
      status.INVALID_ARGUMENT,
      /max_detections must be in \[1, 300\], got 0/,
    );
  });

  it('exports the contract metrics and /healthz', async () => {
    const base = `http://127.0.0.1:${service.metricsPort}`;
    const healthz = await fetch(`${base}/healthz`);
    assert.equal(healthz.status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    const labels = `model="${card.name}",version="${card.version}"`;
    for (const expected of [
      /banana_grpc_requests_total\{service="detector",method="Detect",code="OK"\} \d+/,
      /banana_grpc_requests_total\{service="detector",method="Detect",code="INVALID_ARGUMENT"\} \d+/,
      /banana_grpc_request_duration_seconds_count\{service="detector",method="Detect"\} \d+/,
      ...['decode', 'preprocess', 'queue', 'inference', 'postprocess'].map(
        (stage) =>
          new RegExp(
            `banana_inference_stage_duration_seconds_count\\{service="detector",${labels},stage="${stage}"\\} [1-9]`,
          ),
      ),
      new RegExp(`banana_inference_batch_size_count\\{service="detector",${labels}\\} [1-9]`),
      /banana_inference_queue_depth\{service="detector"\} 0/,
      /banana_inference_in_flight\{service="detector"\} 0/,
      new RegExp(`banana_model_info\\{service="detector",${labels}\\} 1`),
      /process_cpu_seconds_total/,
    ]) {
      assert.match(text, expected);
    }
  });
});

describe('detector shutdown', () => {
  it('turns health NOT_SERVING, stops accepting calls and releases its ports', async () => {
    const service = await startDetectorService(testConfig({ shutdownGraceMs: 2000 }));
    const watch = watchHealth(service.grpcPort, 'banana.v1.Detector');
    await watch.until('SERVING');
    const stopped = service.shutdown();
    await watch.until('NOT_SERVING');
    watch.close();
    await stopped;
    assert.deepEqual(watch.statuses, ['SERVING', 'NOT_SERVING']);
    const client = createDetectorClient({
      target: `127.0.0.1:${service.grpcPort}`,
      defaultDeadlineMs: 2000,
    });
    await rejectsWithStatus(
      client.detect({ image: await bananaScene(64, 48) }),
      status.UNAVAILABLE,
    );
    client.close();
    await assert.rejects(fetch(`http://127.0.0.1:${service.metricsPort}/healthz`));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  createClassifierClient,
  status,
  type ClassifierClient,
  type ClassifyResponse,
} from '../../../lib/client/index.js';
import { loadClassifierCard, type ClassifierCard } from '../../../lib/model-card/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { checkHealth } from '../../../test/support/health-client.js';
import { bananaScene, solidImage } from '../../../test/support/images.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { repoPath } from '../../../test/support/paths.js';
import { listServices } from '../../../scripts/lib/reflection-client.js';
import { parseClassifierConfig, type ClassifierConfig } from './config.js';
import { startClassifierService } from './server.js';

const MAX_BATCH = 8;

function testConfig(overrides: Partial<ClassifierConfig> = {}): ClassifierConfig {
  return localServiceConfig(parseClassifierConfig, {
    maxBatch: MAX_BATCH,
    ...overrides,
  });
}

type Result = ClassifyResponse['results'][number];

/** What must hold whatever the weights: one well-formed result per crop. */
function assertWellFormed(response: ClassifyResponse, count: number, card: ClassifierCard) {
  assert.deepEqual(response.classes, card.classes);
  assert.deepEqual(response.model, { name: card.name, version: card.version });
  assert.equal(response.results.length, count);
  for (const result of response.results) {
    assert.equal(result.probabilities.length, card.classes.length);
    const sum = result.probabilities.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
    assert.equal(result.stage, card.classes[result.stageIndex]);
    assert.equal(result.confidence, Math.max(...result.probabilities));
  }
}

function assertSameResult(actual: Result | undefined, expected: Result | undefined, what: string) {
  assert.ok(actual && expected, what);
  actual.probabilities.forEach((p, i) => {
    assert.ok(Math.abs(p - (expected.probabilities[i] ?? NaN)) < 1e-4, `${what}: class ${i}`);
  });
}

/** Distinct crops: plain colours of different sizes and a structured scene. */
async function sampleCrops(): Promise<Buffer[]> {
  return [
    await solidImage(60, 140, 'png', { r: 120, g: 160, b: 40 }),
    await bananaScene(200, 90, 'jpeg'),
    await solidImage(50, 50, 'webp', { r: 90, g: 60, b: 20 }),
  ];
}

async function rawRgb(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

describe('classifier service', () => {
  let card: ClassifierCard;
  let service: RunningService;
  let client: ClassifierClient;

  before(async () => {
    card = await loadClassifierCard(repoPath('models/classifier.json'));
    service = await startClassifierService(testConfig());
    client = createClassifierClient({ target: `127.0.0.1:${service.grpcPort}` });
  });

  after(async () => {
    client.close();
    await service.shutdown();
  });

  it('reports SERVING and lists its services over reflection', async () => {
    assert.equal(await checkHealth(service.grpcPort, ''), 'SERVING');
    assert.equal(await client.checkHealth(), 'SERVING');
    assert.deepEqual(await listServices(service.grpcPort), [
      'banana.v1.Classifier',
      'grpc.health.v1.Health',
      'inference.GRPCInferenceService',
    ]);
  });

  it('classifies a batch, one result per crop, in request order', async () => {
    const [a, b, c] = await sampleCrops();
    assert.ok(a && b && c);
    const single = await Promise.all([a, b, c].map((crop) => client.classify({ crops: [crop] })));
    const batch = await client.classify({ crops: [b, a, c, a, b] });
    assertWellFormed(batch, 5, card);
    const expected = [1, 0, 2, 0, 1].map((i) => single[i]?.results[0]);
    batch.results.forEach((result, i) => {
      assertSameResult(result, expected[i], `result ${i}`);
    });
  });

  it('classifies raw RGB crops like the same encoded (lossless) crops', async () => {
    const png = await bananaScene(90, 120, 'png');
    const encoded = await client.classify({ crops: [png] });
    const raw = await client.classify({ rawCrops: [await rawRgb(png)] });
    assertWellFormed(raw, 1, card);
    assertSameResult(raw.results[0], encoded.results[0], 'raw vs encoded');
  });

  it('crops regions server-side like the same crops cut by the caller', async () => {
    const image = await bananaScene(400, 300, 'png');
    const boxes = [
      { xMin: 100, yMin: 100, xMax: 300, yMax: 200 },
      { xMin: -50, yMin: -20, xMax: 120, yMax: 80 },
      { xMin: 0, yMin: 0, xMax: 400, yMax: 300 },
    ];
    const regions = await client.classifyRegions({ image, boxes });
    assertWellFormed(regions, 3, card);
    const cut = await Promise.all(
      [
        { left: 100, top: 100, width: 200, height: 100 },
        { left: 0, top: 0, width: 120, height: 80 },
        { left: 0, top: 0, width: 400, height: 300 },
      ].map((region) => sharp(image).extract(region).png().toBuffer()),
    );
    const crops = await client.classify({ crops: cut });
    regions.results.forEach((result, i) => {
      assertSameResult(result, crops.results[i], `region ${i}`);
    });
  });

  it('counts batch sizes in the metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    const labels = `service="classifier",model="${card.name}",version="${card.version}"`;
    assert.match(
      text,
      new RegExp(`banana_inference_batch_size_bucket\\{le="4",${labels}\\} [1-9]`),
    );
    assert.match(
      text,
      /banana_grpc_requests_total\{service="classifier",method="ClassifyRegions",code="OK"\} 1/,
    );
  });

  describe('refuses bad input with INVALID_ARGUMENT and keeps serving', () => {
    const cases: [string, () => Promise<ClassifyResponse>, RegExp][] = [
      ['an empty batch', () => client.classify({}), /empty batch/],
      [
        'a batch above MAX_BATCH',
        async () =>
          client.classify({ crops: Array.from({ length: MAX_BATCH + 1 }, () => Buffer.from('x')) }),
        /batch of 9 crops is above the limit of 8 \(MAX_BATCH\)/,
      ],
      [
        'crops and raw_crops together',
        async () =>
          client.classify({
            crops: [await solidImage(8, 8)],
            rawCrops: [{ rgb: Buffer.alloc(12), width: 2, height: 2 }],
          }),
        /either crops or raw_crops, not both/,
      ],
      [
        'a crop that is not an image',
        async () => client.classify({ crops: [await solidImage(8, 8), Buffer.from('nope')] }),
        /crops\[1\] is not a JPEG, PNG or WebP image/,
      ],
      ['an empty crop', () => client.classify({ crops: [Buffer.alloc(0)] }), /crops\[0\] is empty/],
      [
        'a truncated crop',
        async () => client.classify({ crops: [(await bananaScene(300, 200)).subarray(0, 1500)] }),
        /crops\[0\] could not be decoded \(truncated or corrupt\)/,
      ],
      [
        'a raw crop whose size does not match its bytes',
        () => client.classify({ rawCrops: [{ rgb: Buffer.alloc(10), width: 2, height: 2 }] }),
        /raw_crops\[0\] has 10 bytes, but 2x2 RGB needs 12/,
      ],
      [
        'a raw crop of size zero',
        () => client.classify({ rawCrops: [{ rgb: Buffer.alloc(0), width: 0, height: 4 }] }),
        /raw_crops\[0\] has an empty size/,
      ],
      [
        'regions without boxes',
        async () => client.classifyRegions({ image: await solidImage(20, 20) }),
        /empty batch: send at least one of boxes/,
      ],
      [
        'regions on bytes that are not an image',
        () =>
          client.classifyRegions({
            image: Buffer.from('nope'),
            boxes: [{ xMin: 0, yMin: 0, xMax: 1, yMax: 1 }],
          }),
        /image is not a JPEG, PNG or WebP image/,
      ],
      [
        'a box outside the image',
        async () =>
          client.classifyRegions({
            image: await solidImage(20, 20),
            boxes: [
              { xMin: 0, yMin: 0, xMax: 5, yMax: 5 },
              { xMin: 25, yMin: 0, xMax: 30, yMax: 5 },
            ],
          }),
        /box 1 .* lies outside the 20x20 image/,
      ],
      [
        'a degenerate box',
        async () =>
          client.classifyRegions({
            image: await solidImage(20, 20),
            boxes: [{ xMin: 5, yMin: 5, xMax: 5, yMax: 9 }],
          }),
        /box 0 .* is degenerate/,
      ],
      [
        'a box with NaN',
        async () =>
          client.classifyRegions({
            image: await solidImage(20, 20),
            boxes: [{ xMin: Number.NaN, yMin: 0, xMax: 5, yMax: 5 }],
          }),
        /box 0 .* not a finite number/,
      ],
    ];
    for (const [name, call, details] of cases) {
      it(name, async () => {
        await rejectsWithStatus(call(), status.INVALID_ARGUMENT, details);
        assertWellFormed(await client.classify({ crops: [await solidImage(16, 16)] }), 1, card);
      });
    }
  });
});

describe('classifier under load', () => {
  it('answers RESOURCE_EXHAUSTED when the inference queue is full, then serves again', async () => {
    const service = await startClassifierService(testConfig({ maxQueue: 0, maxBatch: 64 }));
    const client = createClassifierClient({ target: `127.0.0.1:${service.grpcPort}` });
    try {
      const { width, height } = (await loadClassifierCard(repoPath('models/classifier.json')))
        .input;
      const crop = { rgb: Buffer.alloc(width * height * 3, 128), width, height };
      const batch = { rawCrops: Array.from({ length: 64 }, () => crop) };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => client.classify(batch)),
      );
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.ok(
        outcomes.some((o) => o.status === 'fulfilled'),
        'some calls ran',
      );
      assert.ok(refused.length > 0, 'some calls were refused');
      for (const outcome of refused) {
        await rejectsWithStatus(
          Promise.reject(outcome.reason as Error),
          status.RESOURCE_EXHAUSTED,
          /inference queue is full/,
        );
      }
      assert.equal((await client.classify({ rawCrops: [crop] })).results.length, 1);
    } finally {
      client.close();
      await service.shutdown();
    }
  });
});

// Fuzzing a real classifier service (ONNX loaded once) with generated requests: Classify with
// any encoded or raw crops (sizes, lengths and batch sizes at and beyond the limits), and
// ClassifyRegions with any photo and boxes. Each call ends with an answer or a clear refusal,
// never a failure of ours; the service classifies a plain crop afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { createClassifierClient, type ClassifierClient } from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { fuzzParameters } from '../../../test/support/fuzz.js';
import {
  answersOrRefuses,
  anyFloat,
  imageSpec,
  rawImage,
  realise,
  realiseRaw,
} from '../../../test/support/fuzz-model-service.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { parseClassifierConfig } from './config.js';
import { startClassifierService } from './server.js';

describe('classifier service under generated requests', () => {
  let service: RunningService;
  let classifier: ClassifierClient;

  before(async () => {
    service = await startClassifierService(
      localServiceConfig(parseClassifierConfig, { maxBatch: 4 }),
    );
    classifier = createClassifierClient({
      target: `127.0.0.1:${service.grpcPort}`,
      defaultDeadlineMs: 20_000,
    });
  });
  after(async () => {
    classifier.close();
    await service.shutdown();
  });

  it('Classify: any encoded or raw crops, any batch size', async () => {
    const request = fc.record({
      crops: fc.array(imageSpec, { maxLength: 6 }),
      rawCrops: fc.array(rawImage, { maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const crops = await Promise.all(r.crops.map(realise));
        await answersOrRefuses(() =>
          classifier.classify({ crops, rawCrops: r.rawCrops.map(realiseRaw) }),
        );
      }),
      fuzzParameters(40),
    );
  });

  it('ClassifyRegions: any photo and boxes', async () => {
    const box = fc.record({ xMin: anyFloat, yMin: anyFloat, xMax: anyFloat, yMax: anyFloat });
    const request = fc.record({
      image: imageSpec,
      boxes: fc.array(box, { maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const image = await realise(r.image);
        await answersOrRefuses(() => classifier.classifyRegions({ image, boxes: r.boxes }));
      }),
      fuzzParameters(40),
    );
  });

  it('still classifies a crop afterwards', async () => {
    const crop = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#e2c428' },
    })
      .png()
      .toBuffer();
    const answer = await classifier.classify({ crops: [crop] });
    assert.equal(answer.results.length, 1);
    assert.equal(await classifier.checkHealth(), 'SERVING');
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  createClassifierClient,
  status,
  type ClassifierClient,
} from '../../../lib/client/index.js';
import { loadClassifierCard, type ClassifierCard } from '../../../lib/model-card/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { solidImage } from '../../../test/support/images.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { repoPath } from '../../../test/support/paths.js';
import { parseClassifierConfig } from './config.js';
import { startClassifierService } from './server.js';

const BUDGET = 5_000_000;

describe('classifier GetModelInfo, model-sized raw crops and decode admission', () => {
  let card: ClassifierCard;
  let service: RunningService;
  let client: ClassifierClient;

  before(async () => {
    card = await loadClassifierCard(repoPath('models/classifier.json'));
    service = await startClassifierService(
      localServiceConfig(parseClassifierConfig, {
        maxBatch: 8,
        maxInflightPixels: BUDGET,
      }),
    );
    client = createClassifierClient({ target: `127.0.0.1:${service.grpcPort}` });
  });

  after(async () => {
    client.close();
    await service.shutdown();
  });

  it('GetModelInfo returns the model card: identity, input spec, classes, batch limit', async () => {
    const info = await client.getModelInfo();
    assert.deepEqual(info.model, { name: card.name, version: card.version });
    const { input } = info;
    assert.ok(input);
    assert.equal(input.width, card.input.width);
    assert.equal(input.height, card.input.height);
    assert.deepEqual(input.padValue, [...card.input.padValue]);
    assert.equal(input.resizeMode, 'pad_to_square');
    assert.equal(input.resizeKernel, card.input.kernel);
    assert.equal(input.channelOrder, 'RGB');
    assert.deepEqual(input.normalization?.mean, card.input.normalization.mean.map(Math.fround));
    assert.deepEqual(info.classNames, [...card.classes]);
    assert.deepEqual(info.classLabels, [...card.classLabels]);
    assert.equal(info.maxBatch, 8);
    assert.equal(info.detectionDefaults, undefined);
  });

  it('classifies a raw crop at the input size exactly as the same pixels sent losslessly encoded', async () => {
    const { width, height } = card.input;
    const rgb = randomBytes(width * height * 3);
    const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const fromRaw = await client.classify({ rawCrops: [{ rgb, width, height }] });
    const fromPng = await client.classify({ crops: [png] });
    assert.deepEqual(fromRaw, fromPng);
    // Other sizes are still accepted (padded and resized by the service).
    const small = await client.classify({
      rawCrops: [
        { rgb: randomBytes(30 * 70 * 3), width: 30, height: 70 },
        { rgb, width, height },
      ],
    });
    assert.deepEqual(small.results[1], fromRaw.results[0]);
  });

  it('refuses images whose decode alone exceeds MAX_INFLIGHT_PIXELS with INVALID_ARGUMENT', async () => {
    const big = await solidImage(2500, 2500, 'png');
    await rejectsWithStatus(
      client.classifyRegions({ image: big, boxes: [{ xMin: 0, yMin: 0, xMax: 10, yMax: 10 }] }),
      status.INVALID_ARGUMENT,
      /image has 6250000 pixels to decode, above the service's decode budget of 5000000 pixels/,
    );
    const crop = await solidImage(1500, 1500, 'png');
    await rejectsWithStatus(
      client.classify({ crops: [crop, crop, crop] }),
      status.INVALID_ARGUMENT,
      /crops has 6750000 pixels to decode, above the service's decode budget/,
    );
    // Within the budget they are served.
    const served = await client.classify({ crops: [crop, crop] });
    assert.equal(served.results.length, 2);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createDetectorClient,
  status,
  type DetectorClient,
  type GetModelInfoResponse,
} from '../../../lib/client/index.js';
import { loadDetectorCard, type DetectorCard } from '../../../lib/model-card/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { bananaScene } from '../../../test/support/images.js';
import { letterboxed } from '../../../test/support/letterboxed.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { repoPath } from '../../../test/support/paths.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

describe('detector GetModelInfo and letterboxed raw pixels', () => {
  let card: DetectorCard;
  let service: RunningService;
  let client: DetectorClient;
  let info: GetModelInfoResponse;

  before(async () => {
    card = await loadDetectorCard(repoPath('models/detector.json'));
    service = await startDetectorService(localServiceConfig(parseDetectorConfig));
    client = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
    info = await client.getModelInfo();
  });

  after(async () => {
    client.close();
    await service.shutdown();
  });

  it('GetModelInfo returns the model card: identity, input spec, label, default thresholds', () => {
    assert.deepEqual(info.model, { name: card.name, version: card.version });
    assert.deepEqual(info.input, {
      width: card.input.width,
      height: card.input.height,
      padValue: [...card.input.padValue],
      resizeMode: 'letterbox',
      resizeKernel: card.input.kernel,
      channelOrder: 'RGB',
      layout: 'NCHW',
      dtype: 'float32',
      normalization: {
        scale: Math.fround(card.input.normalization.scale),
        mean: card.input.normalization.mean.map(Math.fround),
        std: card.input.normalization.std.map(Math.fround),
      },
    });
    assert.deepEqual(info.classNames, [card.label]);
    assert.deepEqual(info.classLabels, []);
    assert.deepEqual(info.detectionDefaults, {
      minConfidence: Math.fround(card.thresholds.confidence),
      iouThreshold: Math.fround(card.thresholds.iou),
      maxDetections: card.thresholds.maxDetections,
      minConfidenceSource: 'model card',
    });
    assert.ok(info.maxImagePixels > 0);
  });

  it('raw pixels letterboxed by the caller give what the encoded photo gives, in its frame', async () => {
    for (const [width, height] of [
      [640, 480],
      [300, 700],
    ] as const) {
      const photo = await bananaScene(width, height, 'png');
      const fromPhoto = await client.detect({ image: photo, minConfidence: 0.001 });
      const fromPixels = await client.detect({
        letterboxed: await letterboxed(photo, info),
        minConfidence: 0.001,
      });
      assert.deepEqual(fromPixels.imageSize, { width, height });
      assert.ok(fromPhoto.detections.length > 0, 'the scene gives candidates at 0.001');
      assert.deepEqual(fromPixels, fromPhoto);
    }
  });

  it('refuses raw pixels of the wrong size, byte length or geometry with INVALID_ARGUMENT', async () => {
    const photo = await bananaScene(640, 480, 'png');
    const good = await letterboxed(photo, info);
    const { width, height } = good.pixels;
    await rejectsWithStatus(
      client.detect({
        letterboxed: {
          ...good,
          pixels: { rgb: Buffer.alloc(100 * 100 * 3), width: 100, height: 100 },
        },
      }),
      status.INVALID_ARGUMENT,
      new RegExp(`letterboxed.pixels is 100x100, but the detector's input is ${width}x${height}`),
    );
    await rejectsWithStatus(
      client.detect({
        letterboxed: { ...good, pixels: { ...good.pixels, rgb: good.pixels.rgb.subarray(1) } },
      }),
      status.INVALID_ARGUMENT,
      new RegExp(
        `letterboxed.pixels has ${width * height * 3 - 1} bytes, but ${width}x${height} RGB needs ${width * height * 3}`,
      ),
    );
    await rejectsWithStatus(
      client.detect({ image: photo, letterboxed: good }),
      status.INVALID_ARGUMENT,
      /set either image or letterboxed, not both/,
    );
    await rejectsWithStatus(
      client.detect({ letterboxed: { pixels: good.pixels } }),
      status.INVALID_ARGUMENT,
      /letterboxed.letterbox is required/,
    );
    await rejectsWithStatus(
      client.detect({ letterboxed: { ...good, letterbox: { ...good.letterbox, scale: 0 } } }),
      status.INVALID_ARGUMENT,
      /scale must be a finite number > 0, got 0/,
    );
    await rejectsWithStatus(
      client.detect({
        letterboxed: { ...good, letterbox: { ...good.letterbox, offsetY: height } },
      }),
      status.INVALID_ARGUMENT,
      /outside the \d+x\d+ model input/,
    );
    await rejectsWithStatus(
      client.detect({
        letterboxed: {
          ...good,
          letterbox: { ...good.letterbox, originalSize: { width: 0, height: 5 } },
        },
      }),
      status.INVALID_ARGUMENT,
      /original_size must be at least 1x1, got 0x5/,
    );
  });
});

// Upload and pixel limits: safe defaults, and lowering them through the environment works on
// every component (the function answers 413/422 naming the new limit; the services refuse
// with INVALID_ARGUMENT / RESOURCE_EXHAUSTED) while normal requests still pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FUNCTION_CONFIG } from '../../function/src/config.js';
import { parseModelServiceConfig } from '../../lib/config/index.js';
import {
  createClassifierClient,
  createDetectorClient,
  isServiceError,
  status,
} from '../../lib/client/index.js';
import { noisePng } from '../support/images.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { assertAllAlive, useProcessStack } from './fixture.js';
import { sendRaw } from './raw-http.js';

const BODY_LIMIT = 64 * 1024;
const FUNCTION_PIXELS = 100_000;
const SERVICE_PIXELS = 200_000;
// Above the detector's raw input (320 x 320 x 3 bytes), which the function always sends.
const MESSAGE_LIMIT = 512 * 1024;

describe('limits', () => {
  it('defaults are finite and safe: 20 MiB bodies, 50 MP images, 25 MiB gRPC messages', () => {
    assert.equal(DEFAULT_FUNCTION_CONFIG.maxBodyBytes, 20 * 1024 * 1024);
    assert.equal(DEFAULT_FUNCTION_CONFIG.maxImagePixels, 50_000_000);
    const service = parseModelServiceConfig({}, { grpcPort: 1, metricsPort: 2 });
    assert.equal(service.maxImagePixels, 50_000_000);
    assert.equal(service.maxMessageBytes, 25 * 1024 * 1024);
    assert.ok(
      service.maxMessageBytes > DEFAULT_FUNCTION_CONFIG.maxBodyBytes,
      'any accepted upload fits a gRPC message',
    );
  });

  describe('lowered through the environment', () => {
    const stack = useProcessStack({
      serviceEnv: {
        MAX_IMAGE_PIXELS: String(SERVICE_PIXELS),
        MAX_MESSAGE_BYTES: String(MESSAGE_LIMIT),
      },
      functionEnv: {
        MAX_BODY_BYTES: String(BODY_LIMIT),
        MAX_IMAGE_PIXELS: String(FUNCTION_PIXELS),
      },
    });
    const post = (body: Buffer, type = 'image/jpeg') =>
      sendRaw(stack().url, { path: '/?format=none', headers: { 'content-type': type }, body });

    it('function: bodies above MAX_BODY_BYTES get 413 naming the limit; smaller ones pass', async () => {
      const big = await noisePng(160, 160); // ~77 KB
      assert.ok(big.length > BODY_LIMIT);
      const refused = await post(big, 'image/png');
      assert.equal(refused.status, 413, refused.text);
      assert.match(refused.text, /"payload_too_large".*limit of 65536 bytes/);
      const small = await syntheticBananaPhoto({ width: 300, height: 300, bananas: 1 });
      assert.ok(small.length < BODY_LIMIT);
      assert.equal((await post(small)).status, 200);
    });

    it('function: images above MAX_IMAGE_PIXELS get 422 naming the limit, before decoding', async () => {
      const refused = await post(await syntheticBananaPhoto({ width: 400, height: 300 }));
      assert.equal(refused.status, 422, refused.text);
      assert.match(refused.text, /400x300 = 120000 pixels, above the limit of 100000/);
    });

    it('services: MAX_IMAGE_PIXELS and MAX_MESSAGE_BYTES are enforced over gRPC', async () => {
      const detector = createDetectorClient({ target: `127.0.0.1:${stack().detector.port}` });
      const classifier = createClassifierClient({ target: `127.0.0.1:${stack().classifier.port}` });
      const refusedWith = (code: status, pattern: RegExp) => (error: unknown) =>
        isServiceError(error) && error.code === code && pattern.test(error.details);
      try {
        await assert.rejects(
          detector.detect({ image: await syntheticBananaPhoto({ width: 600, height: 400 }) }),
          refusedWith(status.INVALID_ARGUMENT, /above the limit of 200000/),
        );
        await assert.rejects(
          detector.detect({ image: await noisePng(480, 480) }), // ~690 KB message
          refusedWith(status.RESOURCE_EXHAUSTED, /./),
        );
        await assert.rejects(
          classifier.classify({
            rawCrops: [{ rgb: Buffer.alloc(500 * 500 * 3), width: 500, height: 500 }],
          }),
          refusedWith(status.RESOURCE_EXHAUSTED, /./),
        );
        assert.ok(
          (
            await detector.detect({
              image: await syntheticBananaPhoto({ width: 400, height: 300 }),
            })
          ).imageSize,
        );
      } finally {
        detector.close();
        classifier.close();
      }
      assertAllAlive(stack());
    });
  });
});

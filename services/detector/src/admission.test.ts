import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createDetectorClient,
  isServiceError,
  status,
  type DetectorClient,
} from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { solidImage } from '../../../test/support/images.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

// Large PNGs of one colour: tiny to send, costly to decode (PNG has no shrink-on-load).
const SIDE = 4000;
const IMAGE_PIXELS = SIDE * SIDE;
/** Room for two such images at once. */
const BUDGET = 2 * IMAGE_PIXELS + 1000;
const MAX_WAITING = 3;

async function gauge(service: RunningService, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  const match = new RegExp(`^${name}\\{service="detector"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(match, `${name} is exported`);
  return Number(match[1]);
}

describe('detector decode admission (MAX_INFLIGHT_PIXELS)', () => {
  let service: RunningService;
  let client: DetectorClient;
  let large: Buffer;

  before(async () => {
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, {
        maxImagePixels: 50_000_000,
        maxInflightPixels: BUDGET,
        maxQueue: MAX_WAITING,
      }),
    );
    client = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
    large = await solidImage(SIDE, SIDE, 'png');
  });

  after(async () => {
    client.close();
    await service.shutdown();
  });

  it('never decodes past the budget: the rest wait (bounded) or get RESOURCE_EXHAUSTED', async () => {
    assert.equal(await gauge(service, 'banana_decode_pixel_budget'), BUDGET);
    const calls = 12;
    const outcomes = await Promise.allSettled(
      Array.from({ length: calls }, () => client.detect({ image: large }, { deadlineMs: 60_000 })),
    );
    const served = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    for (const error of refused) {
      assert.ok(isServiceError(error), String(error));
      assert.equal(status[error.code], 'RESOURCE_EXHAUSTED');
      assert.match(
        error.details,
        /requests already wait for the decoded-pixel budget; retry later/,
      );
    }
    assert.ok(refused.length > 0, 'twelve at once overflow 2 decoding + 3 waiting');
    assert.ok(served.length >= 2 + MAX_WAITING, `${served.length} served`);
    const peak = await gauge(service, 'banana_decode_pixels_in_flight_peak');
    assert.ok(peak <= BUDGET, `peak ${peak} pixels in flight`);
    assert.ok(peak >= IMAGE_PIXELS);
    assert.equal(await gauge(service, 'banana_decode_pixels_in_flight'), 0);
    assert.equal(await gauge(service, 'banana_decode_waiting'), 0);
    // Later requests are all served.
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await client.detect({ image: large })).imageSize, {
        width: SIDE,
        height: SIDE,
      });
    }
  });

  it('refuses an image that alone exceeds the budget with INVALID_ARGUMENT', async () => {
    const huge = await solidImage(6000, 6000, 'png');
    await rejectsWithStatus(
      client.detect({ image: huge }),
      status.INVALID_ARGUMENT,
      new RegExp(
        `image has 36000000 pixels to decode, above the service's decode budget of ${BUDGET} pixels \\(MAX_INFLIGHT_PIXELS\\)`,
      ),
    );
  });
});

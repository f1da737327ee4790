// Per-key admission on the function (API_KEYS_FILE, KEY_MAX_IN_FLIGHT), in front of fake
// model services that hold every Detect call until the test lets it go: one key that floods
// gets 429 key_limit naming the limit, while another key's photos are all taken and answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  detections,
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../../test/support/fake-model-services.js';
import { eventually } from '../../test/support/eventually.js';
import type { FunctionServer } from './server.js';

const FLOOD = 'flood-key-0123456789abcdef';
const POLITE = 'polite-key-0123456789abcdef';

describe('function: each API key within its own limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'key-limits-'));
  let services: FakeModelServices;
  let fn: FunctionServer;
  let photo: Buffer;
  /** Detect calls waiting for the test to answer them. */
  const held: (() => void)[] = [];

  before(async () => {
    writeFileSync(join(dir, 'keys'), `flood:${FLOOD}\npolite:${POLITE}\n`);
    services = await startFakeModelServices();
    services.handlers.detect = (_call, callback) => {
      held.push(() => {
        callback(null, detections([]));
      });
    };
    fn = await startFunctionOn(services, {
      apiKeysFile: join(dir, 'keys'),
      keyLimits: { maxInFlight: 2, ratePerSecond: 0, burst: 1 },
      detectDeadlineMs: 30_000,
    });
    photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
  });
  after(async () => {
    for (const answer of held.splice(0)) answer();
    await fn.close();
    services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (key: string) =>
    fetch(`${fn.url}/?format=none`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${key}` },
      body: photo,
    });

  it('refuses a flooding key above KEY_MAX_IN_FLIGHT and takes another key meanwhile', async () => {
    const flood = Array.from({ length: 8 }, () => post(FLOOD));
    // The flood's two admitted photos reach the detector; the other six are refused at once.
    await eventually(
      'two flood photos at the detector',
      () => Promise.resolve(held.length),
      (n) => n === 2,
      10_000,
      20,
    );
    const polite = [post(POLITE), post(POLITE)];
    await eventually(
      'both polite photos at the detector',
      () => Promise.resolve(held.length),
      (n) => n === 4,
      10_000,
      20,
    );
    for (const answer of held.splice(0)) answer();

    const floodAnswers = await Promise.all(flood);
    const statuses = floodAnswers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429, 429, 429]);
    const refused = floodAnswers.find((a) => a.status === 429);
    assert.ok(refused);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.deepEqual(await refused.json(), {
      error: {
        code: 'key_limit',
        message:
          'the API key "flood" already has 2 requests in flight, its limit (KEY_MAX_IN_FLIGHT); send fewer at once',
      },
    });
    assert.deepEqual(
      (await Promise.all(polite)).map((a) => a.status),
      [200, 200],
    );

    const metrics = await (await fetch(`${fn.url}/metrics`)).text();
    assert.match(metrics, /banana_api_key_limited_total\{key_name="flood",limit="in_flight"\} 6/);
    assert.doesNotMatch(metrics, /banana_api_key_limited_total\{key_name="polite"/);
  });

  it('gives a key its slots back when its requests end', async () => {
    const again = [post(FLOOD), post(FLOOD)];
    await eventually(
      'two flood photos at the detector',
      () => Promise.resolve(held.length),
      (n) => n === 2,
      10_000,
      20,
    );
    for (const answer of held.splice(0)) answer();
    assert.deepEqual(
      (await Promise.all(again)).map((a) => a.status),
      [200, 200],
    );
    const metrics = await (await fetch(`${fn.url}/metrics`)).text();
    assert.doesNotMatch(metrics, /banana_api_key_in_flight\{key_name="flood"\} [1-9]/);
  });
});

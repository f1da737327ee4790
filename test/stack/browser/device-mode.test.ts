// The page's device mode in a real headless Chromium: the models run in the page with
// onnxruntime-web, the photo is never sent, the boxes and stages agree with the server's on
// the same photos, the camera works in it, and the page keeps working with the server stopped
// once it has been opened (service worker), picking up a changed model when online again.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { ClassifyResponseBody } from '../../../function/src/answer.js';
import { patternImage } from '../../../models/parity/cases.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import { repoPath } from '../../support/paths.js';
import { startSecondFunction, useLocalStack } from '../stack-fixture.js';
import { launchWithFakeCamera, writeFakeCameraVideo } from './fake-camera.js';

const RESULTS = 'test-results';
const stack = useLocalStack();
let browser: Browser;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'device-mode-'));
  const cameraVideo = join(scratch, 'bananas.y4m');
  await writeFakeCameraVideo(cameraVideo);
  browser = await launchWithFakeCamera(cameraVideo);
});
after(async () => {
  await browser.close();
  await rm(scratch, { recursive: true, force: true });
});

interface SeenRequest {
  method: string;
  url: string;
  body: Buffer | null;
}

/** Every request of the context (the page's and its service worker's). */
function recordRequests(context: BrowserContext): SeenRequest[] {
  const seen: SeenRequest[] = [];
  context.on('request', (request) => {
    seen.push({ method: request.method(), url: request.url(), body: request.postDataBuffer() });
  });
  return seen;
}

/** True when `body` holds any 32-byte run of `photo` (a photo sent in any framing would). */
function carries(body: Buffer, photo: Buffer): boolean {
  for (let start = 0; start + 32 <= photo.length; start += 997) {
    if (body.includes(photo.subarray(start, start + 32))) return true;
  }
  return false;
}

/** Chooses "on this device" and waits until the models are loaded. */
async function chooseDevice(page: Page): Promise<string> {
  await page.check('input[name="run_on"][value="device"]');
  return waitForDeviceModels(page);
}

async function waitForDeviceModels(page: Page): Promise<string> {
  await page.waitForFunction(
    "/^On this device|could not/.test(document.querySelector('#device-status').textContent)",
    undefined,
    { timeout: 60_000 },
  );
  const status = (await page.locator('#device-status').textContent()) ?? '';
  assert.match(status, /^On this device: banana-detector /);
  return status;
}

async function waitForResult(page: Page): Promise<string> {
  await page.waitForFunction(
    "/^Done/.test(document.querySelector('#status').textContent) || !document.querySelector('#error').hidden",
    undefined,
    { timeout: 60_000 },
  );
  assert.equal(
    await page.locator('#error').isHidden(),
    true,
    await page.locator('#error').innerText(),
  );
  return (await page.locator('#status').textContent()) ?? '';
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x_max, b.x_max) - Math.max(a.x_min, b.x_min);
  const h = Math.min(a.y_max, b.y_max) - Math.max(a.y_min, b.y_min);
  if (w <= 0 || h <= 0) return 0;
  const area = (box: Box) => (box.x_max - box.x_min) * (box.y_max - box.y_min);
  return (w * h) / (area(a) + area(b) - w * h);
}
type Box = ClassifyResponseBody['detections'][number]['box'];

async function serverAnswer(photo: Buffer, type: string, query: string) {
  const response = await fetch(`${stack().functionUrl}/?format=none&${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: photo,
  });
  assert.equal(response.status, 200);
  return (await response.json()) as ClassifyResponseBody;
}

describe('device mode', () => {
  it('grades a dropped photo in the page and sends no byte of it', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    const seen = recordRequests(context);
    try {
      const page = await context.newPage();
      await page.goto(`${stack().functionUrl}/`);
      const status = await chooseDevice(page);
      assert.match(status, /banana-detector 2\.\d+\.\d+, banana-ripeness-classifier/);
      const photo = await syntheticBananaPhoto({ width: 1280, height: 960, bananas: 4, seed: 7 });
      await page.setInputFiles('#photo', {
        name: 'crate.jpg',
        mimeType: 'image/jpeg',
        buffer: photo,
      });
      const done = await waitForResult(page);
      assert.match(done, / ms on this device\.$/);

      const server = await serverAnswer(photo, 'image/jpeg', '');
      const rows = await page.locator('#detections tbody tr').count();
      assert.equal(rows, Math.max(1, server.detections.length));
      const stages = await page
        .locator('#detections tbody td[data-label="Stage"]')
        .allTextContents();
      assert.deepEqual(
        stages.map((s) => s.trim()),
        server.detections.map((d) => d.stage.replaceAll('_', ' ')),
      );
      assert.match((await page.locator('#models').textContent()) ?? '', /run on this device\.$/);
      assert.deepEqual(await page.locator('#timings dt').allTextContents(), [
        'parse',
        'detect',
        'classify',
        'draw',
        'encode',
        'total',
      ]);
      // The annotated photo is drawn in the page at the photo's size.
      const size = await page.evaluate<[number, number]>(
        "(async () => { const img = document.querySelector('#annotated'); await img.decode(); return [img.naturalWidth, img.naturalHeight]; })()",
      );
      assert.deepEqual(size, [1280, 960]);
      await mkdir(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}/web-tester-device-mode.png`, fullPage: true });

      assert.deepEqual(
        seen.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`),
        [],
        'only GET requests',
      );
      const carrying = seen.filter((r) => r.body !== null && carries(r.body, photo));
      assert.deepEqual(carrying, [], 'no request carries the photo');
    } finally {
      await context.close();
    }
  });

  it('gives the server’s boxes (IoU >= 0.99) and stages on generated photos and the parity patterns', async () => {
    const photos: Array<{ name: string; bytes: Buffer; type: string; query: string }> = [];
    for (const seed of [1, 2, 3]) {
      photos.push({
        name: `synthetic ${seed}`,
        bytes: await syntheticBananaPhoto({ width: 1280, height: 960, bananas: 3 + seed, seed }),
        type: 'image/jpeg',
        query: '',
      });
    }
    // The uint8 parity fixture's patterns (models/parity/cases.ts) as lossless PNG: the two
    // decoders give the same pixels, only the scaling to the letterbox differs.
    for (const [seed, [width, height]] of [
      [1, [640, 480]],
      [2, [500, 700]],
    ] as const) {
      const image = patternImage(width, height, seed);
      const bytes = await sharp(image.data, { raw: { width, height, channels: 3 } })
        .png()
        .toBuffer();
      photos.push({
        name: `pattern ${seed}`,
        bytes,
        type: 'image/png',
        query: 'min_confidence=0.1',
      });
    }

    const page = await browser.newPage();
    try {
      await page.goto(`${stack().functionUrl}/`);
      await page.evaluate(`(async () => {
        const device = await import('./gen/device.js');
        const base = new URL('./', location.href);
        window.deviceModels = await device.loadDeviceModels(base, await device.fetchManifest(base));
      })()`);
      let compared = 0;
      for (const { name, bytes, type, query } of photos) {
        const options = Object.fromEntries(new URLSearchParams(query));
        const onDevice = await page.evaluate<ClassifyResponseBody>(`(async () => {
          const bytes = Uint8Array.from(atob('${bytes.toString('base64')}'), (c) => c.charCodeAt(0));
          const blob = new Blob([bytes], { type: '${type}' });
          return (await window.deviceModels.analyse(blob, ${JSON.stringify(options)})).answer;
        })()`);
        const server = await serverAnswer(bytes, type, query);
        assert.equal(onDevice.detections.length, server.detections.length, name);
        server.detections.forEach((expected, i) => {
          const got = onDevice.detections[i];
          assert.ok(got, name);
          const overlap = iou(got.box, expected.box);
          assert.ok(overlap >= 0.99, `${name}, box ${i}: IoU ${overlap.toFixed(4)}`);
          assert.equal(got.stage, expected.stage, `${name}, box ${i}`);
          compared++;
        });
        assert.deepEqual(onDevice.models, server.models, name);
      }
      assert.ok(compared >= 6, `${compared} boxes compared`);
    } finally {
      await page.close();
    }
  });

  it('analyses camera frames on the device without posting them', async () => {
    const context = await browser.newContext({
      viewport: { width: 1024, height: 900 },
      permissions: ['camera'],
    });
    const seen = recordRequests(context);
    try {
      const page = await context.newPage();
      await page.goto(`${stack().functionUrl}/`);
      await chooseDevice(page);
      await page.getByRole('tab', { name: 'Camera' }).click();
      await page.waitForFunction(
        "Number(document.querySelector('#camera-stats').dataset.frames ?? 0) >= 5",
        undefined,
        { timeout: 60_000 },
      );
      assert.equal(await page.locator('#camera-message').isHidden(), true);
      const fps = await page.evaluate<number>(
        "Number(document.querySelector('#camera-stats').dataset.fps)",
      );
      assert.ok(fps > 0, `${fps} frames/s`);
      assert.deepEqual(
        seen.filter((r) => r.method !== 'GET').map((r) => r.url),
        [],
        'no frame was sent',
      );
    } finally {
      await context.close();
    }
  });
});

describe('offline', () => {
  it('opens and grades with the server stopped, after a model change picked up online', async () => {
    const modelDir = join(scratch, 'models');
    await mkdir(modelDir);
    for (const file of ['detector.onnx', 'detector.json', 'classifier.onnx', 'classifier.json']) {
      await copyFile(repoPath(`models/${file}`), join(modelDir, file));
    }
    const server = await startSecondFunction(stack(), { serveWeb: true, modelDir });
    const url = `${server.url}/`;
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    let stopped = false;
    try {
      const page = await context.newPage();
      await page.goto(url);
      const first = await chooseDevice(page);
      assert.match(first, /banana-detector 2\.\d+\.\d+,/);
      // The service worker has installed: page, runtime and models are kept.
      const kept = () =>
        page.evaluate<string[]>(`(async () => {
          await navigator.serviceWorker.ready;
          const cache = await caches.open('banana-tester-v1');
          return (await cache.keys()).map((request) => new URL(request.url).pathname);
        })()`);
      const files = await kept();
      for (const path of [
        '/',
        '/app.js',
        '/gen/device.js',
        '/device/models.json',
        '/device/detector.onnx',
      ]) {
        assert.ok(files.includes(path), `${path} kept: ${files.join(' ')}`);
      }
      assert.ok(files.some((path) => path.endsWith('/ort-wasm-simd-threaded.wasm')));

      // A new detector version appears on the server: the page shows it after a reload.
      const card = JSON.parse(await readFile(join(modelDir, 'detector.json'), 'utf8')) as {
        version: string;
      };
      card.version = '9.9.9';
      await mkdir(join(modelDir, 'detector', '1'), { recursive: true });
      await copyFile(
        join(modelDir, 'detector.onnx'),
        join(modelDir, 'detector', '1', 'detector.onnx'),
      );
      await writeFile(join(modelDir, 'detector', '1', 'detector.json'), JSON.stringify(card));
      await page.reload();
      assert.match(await waitForDeviceModels(page), /banana-detector 9\.9\.9,/);

      await server.close();
      stopped = true;
      assert.ok(
        await fetch(url).then(
          () => false,
          () => true,
        ),
        'the server is stopped',
      );
      await page.reload();
      // The choice of the device was remembered, and the models come from the cache.
      assert.match(await waitForDeviceModels(page), /banana-detector 9\.9\.9,/);
      // The sliders start at the device's card without the server's GET models.
      const confidence = (card as unknown as { thresholds: { confidence: number } }).thresholds
        .confidence;
      await page.waitForFunction(
        `document.querySelector('#min-confidence-value').textContent === 'model default (${confidence})'`,
        undefined,
        { timeout: 10_000 },
      );
      const photo = await syntheticBananaPhoto({ width: 800, height: 600, bananas: 2, seed: 5 });
      await page.setInputFiles('#photo', {
        name: 'offline.jpg',
        mimeType: 'image/jpeg',
        buffer: photo,
      });
      assert.match(await waitForResult(page), / on this device\.$/);
      assert.match((await page.locator('#models').textContent()) ?? '', /banana-detector 9\.9\.9/);
    } finally {
      await context.close();
      if (!stopped) await server.close();
    }
  });
});

/**
 * device: the page's two modes side by side in headless Chromium (Debian's chromium), against
 * the compiled stack on this machine, alternating the modes so that both see the same load:
 * - one 1280x960 photo with 4 bananas, one at a time, to an annotated JPEG in the page: server
 *   mode posts it (multipart, as the page does) and reads the JSON answer with the JPEG in it;
 *   device mode runs the models in the page (gen/device.js), draws the boxes with the camera
 *   view's drawing and encodes the JPEG (quality 0.85, the function's default);
 * - camera mode at 640x480: server mode encodes the frame as JPEG 0.8 and posts it with
 *   format=none; device mode analyses the canvas where it is. Frames per second, one frame at
 *   a time, as the page's loop runs them.
 * Targets (issue: on the device): device single photo <= 2.5x the server's; camera on the
 * device >= 5 frames/s. A phone is not measured here: only this machine's numbers are.
 */
import { chromium } from 'playwright-core';
import { ensureBuilt } from './harness/build.js';
import type { BenchContext } from './harness/context.js';
import { writeResult } from './harness/results.js';
import { printTables, round2, yesNo, type Table } from './harness/table.js';
import { startProcessStack } from '../scripts/lib/process-stack.js';
import { rounded, summarize } from '../scripts/lib/stats.js';
import { TARGET_PHOTO } from './harness/photos.js';
import { BANANAS_PER_FRAME, CAMERA_FRAME } from './camera.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SINGLE_TARGET_RATIO = 2.5;
const CAMERA_TARGET_FPS = 5;

/** Code run in the page: both modes' paths, loaded once (window.bench). */
const PAGE_SETUP = `(async () => {
  const device = await import('./gen/device.js');
  const { drawDetections } = await import('./camera.js');
  const base = new URL('./', location.href);
  const models = await device.loadDeviceModels(base, await device.fetchManifest(base));
  const blobOf = (base64, type) =>
    new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type });
  const jpegOf = (canvas, quality) => new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  const timed = async (work) => { const started = performance.now(); const answer = await work(); return { ms: performance.now() - started, found: answer.detections.length }; };
  window.bench = {
    photo: undefined,
    frame: undefined,
    async load(photoBase64, frameBase64) {
      this.photo = blobOf(photoBase64, 'image/jpeg');
      const bitmap = await createImageBitmap(blobOf(frameBase64, 'image/jpeg'));
      this.frame = document.createElement('canvas');
      this.frame.width = bitmap.width;
      this.frame.height = bitmap.height;
      this.frame.getContext('2d', { willReadFrequently: true }).drawImage(bitmap, 0, 0);
    },
    server(query) {
      return timed(async () => {
        const body = new FormData();
        body.append('img', this.photo, 'photo.jpg');
        const response = await fetch('./?' + query, { method: 'POST', body });
        return response.json();
      });
    },
    device(options) {
      return timed(async () => {
        const { answer, photo } = await models.analyse(this.photo, options);
        const canvas = document.createElement('canvas');
        canvas.width = answer.image.width;
        canvas.height = answer.image.height;
        const context = canvas.getContext('2d');
        context.putImageData(photo.rgba, 0, 0);
        drawDetections(context, answer);
        await jpegOf(canvas, 0.85);
        return answer;
      });
    },
    serverFrame(query) {
      return timed(async () => {
        const body = await jpegOf(this.frame, 0.8);
        const response = await fetch('./?format=none&' + query, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body });
        return response.json();
      });
    },
    async deviceFrame(options) {
      return timed(async () => (await models.analyse(this.frame, options)).answer);
    },
  };
})()`;

interface ModeResult {
  ms: ReturnType<typeof summarize>;
  found: number;
}

export interface DeviceBenchResult {
  single: { server: ModeResult; device: ModeResult; ratio: number; meetsTarget: boolean };
  camera: { serverFps: number; deviceFps: number; meetsTarget: boolean };
  crossOriginIsolated: boolean;
}

type Run = (call: string) => Promise<{ ms: number; found: number }>;

// Every candidate up to the photo's bananas: both modes classify the same number of crops.
const QUERY = `min_confidence=0&max_detections=${TARGET_PHOTO.bananas}`;
const OPTIONS = JSON.stringify({
  min_confidence: '0',
  max_detections: String(TARGET_PHOTO.bananas),
});
const FRAME_QUERY = `min_confidence=0&max_detections=${BANANAS_PER_FRAME}`;
const FRAME_OPTIONS = JSON.stringify({
  min_confidence: '0',
  max_detections: String(BANANAS_PER_FRAME),
});

/** The single photo, the modes alternating, after 3 warm-up rounds of each. */
async function singlePhoto(run: Run, rounds: number): Promise<DeviceBenchResult['single']> {
  const ms = { server: [] as number[], device: [] as number[] };
  let found = [0, 0];
  for (let i = 0; i < rounds + 3; i++) {
    const server = await run(`window.bench.server('${QUERY}')`);
    const device = await run(`window.bench.device(${OPTIONS})`);
    if (i < 3) continue;
    ms.server.push(server.ms);
    ms.device.push(device.ms);
    found = [server.found, device.found];
  }
  const server = summarize(ms.server);
  const device = summarize(ms.device);
  const ratio = device.p50 / server.p50;
  return {
    server: { ms: rounded(server), found: found[0] ?? 0 },
    device: { ms: rounded(device), found: found[1] ?? 0 },
    ratio: round2(ratio),
    meetsTarget: ratio <= SINGLE_TARGET_RATIO,
  };
}

/** Camera frames: one-second turns of each mode until each has had `totalMs`. */
async function cameraFrames(run: Run, totalMs: number): Promise<DeviceBenchResult['camera']> {
  const frames = { server: 0, device: 0 };
  const spent = { server: 0, device: 0 };
  while (spent.server < totalMs || spent.device < totalMs) {
    for (const mode of ['server', 'device'] as const) {
      const turnStarted = performance.now();
      while (performance.now() - turnStarted < 1000) {
        await run(
          mode === 'server'
            ? `window.bench.serverFrame('${FRAME_QUERY}')`
            : `window.bench.deviceFrame(${FRAME_OPTIONS})`,
        );
        frames[mode]++;
      }
      spent[mode] += performance.now() - turnStarted;
    }
  }
  const deviceFps = (frames.device * 1000) / spent.device;
  return {
    serverFps: round2((frames.server * 1000) / spent.server),
    deviceFps: round2(deviceFps),
    meetsTarget: deviceFps >= CAMERA_TARGET_FPS,
  };
}

export async function runDevice(context: BenchContext): Promise<DeviceBenchResult> {
  const photo = await context.photo(TARGET_PHOTO);
  const frame = await context.photo({ ...CAMERA_FRAME, bananas: BANANAS_PER_FRAME, seed: 1 });
  await ensureBuilt();
  const stack = await startProcessStack({
    transport: context.transport,
    runtime: 'dist',
    serviceEnv: { INTRA_OP_THREADS: String(context.intraOpThreads) },
    functionEnv: { SERVE_WEB: 'true' },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const rounds = context.scale(30, 6);
  const cameraMs = context.scale(10_000, 3_000);
  let result: DeviceBenchResult;
  try {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/`);
    await page.evaluate(PAGE_SETUP);
    await page.evaluate(
      `window.bench.load('${photo.jpeg.toString('base64')}', '${frame.jpeg.toString('base64')}')`,
    );
    const run: Run = (call) => page.evaluate(call);
    result = {
      single: await singlePhoto(run, rounds),
      camera: await cameraFrames(run, cameraMs),
      crossOriginIsolated: await page.evaluate<boolean>('crossOriginIsolated'),
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
  printTables(tables(result));
  writeResult(
    'device',
    { photo: TARGET_PHOTO, frame: CAMERA_FRAME, rounds, cameraMs, quick: context.quick },
    result,
  );
  return result;
}

function tables(result: DeviceBenchResult): Table[] {
  const { single, camera } = result;
  return [
    {
      title: `one ${TARGET_PHOTO.width}x${TARGET_PHOTO.height} photo (${TARGET_PHOTO.bananas} bananas) to an annotated JPEG in the page, one at a time (target: device <= ${SINGLE_TARGET_RATIO}x server)`,
      header: ['mode', 'p50 ms', 'p95 ms', 'bananas', 'device / server', 'target met'],
      rows: [
        ['server', single.server.ms.p50, single.server.ms.p95, single.server.found, '', ''],
        [
          'device',
          single.device.ms.p50,
          single.device.ms.p95,
          single.device.found,
          single.ratio,
          yesNo(single.meetsTarget),
        ],
      ],
    },
    {
      title: `camera mode, ${CAMERA_FRAME.width}x${CAMERA_FRAME.height} frames with ${BANANAS_PER_FRAME} bananas, one at a time (target: device >= ${CAMERA_TARGET_FPS} frames/s; page cross-origin isolated: ${result.crossOriginIsolated})`,
      header: ['mode', 'frames/s', 'target met'],
      rows: [
        ['server', camera.serverFps, ''],
        ['device', camera.deviceFps, yesNo(camera.meetsTarget)],
      ],
    },
  ];
}

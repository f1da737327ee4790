// The web tester's routes for the device mode: the models' description and files from
// MODEL_DIR (the services' rule: highest complete version, calibration in force), named by
// their SHA-256; onnxruntime-web's files; the isolation headers; the page's sources not served.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeThresholdOverlay } from '../../lib/model-card/model-dir.js';
import {
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../../test/support/fake-model-services.js';
import { repoPath } from '../../test/support/paths.js';
import type { FunctionServer } from './server.js';
import { ORT_FILES } from './web-tester.js';

const FILES = ['detector.onnx', 'detector.json', 'classifier.onnx', 'classifier.json'];

interface Manifest {
  detector: {
    card: { name: string; version: string; thresholds: { confidence: number; source: string } };
    url: string;
    bytes: number;
    sha256: string;
  };
  classifier: { card: { classes: string[] }; url: string; bytes: number; sha256: string };
  max_image_pixels: number;
  ort: { folder: string; files: string[] };
}

describe('web tester: device mode routes', () => {
  let services: FakeModelServices;
  let server: FunctionServer;
  let modelDir: string;

  before(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'web-tester-models-'));
    for (const file of FILES) await copyFile(repoPath(`models/${file}`), join(modelDir, file));
    services = await startFakeModelServices();
    server = await startFunctionOn(services, {
      serveWeb: true,
      modelDir,
      maxImagePixels: 1234567,
    });
  });
  after(async () => {
    await server.close();
    services.close();
    await rm(modelDir, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${server.url}/${path}`);
  const manifest = async () => (await (await get('device/models.json')).json()) as Manifest;

  it('describes both served models with their cards, sizes and hashes', async () => {
    const response = await get('device/models.json');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const described = (await response.json()) as Manifest;
    const bytes = await readFile(repoPath('models/detector.onnx'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.equal(described.detector.sha256, sha256);
    assert.equal(described.detector.bytes, bytes.length);
    assert.equal(described.detector.url, `device/detector.onnx?sha256=${sha256}`);
    const card = JSON.parse(await readFile(repoPath('models/detector.json'), 'utf8')) as {
      version: string;
      thresholds: { confidence: number };
    };
    assert.equal(described.detector.card.version, card.version);
    assert.equal(described.detector.card.thresholds.confidence, card.thresholds.confidence);
    assert.equal(described.detector.card.thresholds.source, 'model card');
    assert.equal(described.classifier.card.classes.length, 6);
    assert.equal(described.max_image_pixels, 1234567);
    assert.match(described.ort.folder, /^modules\/ort\/\d+\.\d+\.\d+\/$/);
    assert.deepEqual(described.ort.files, ORT_FILES);
  });

  it('serves a model file under its hash, immutable, and refuses a stale hash', async () => {
    const { detector } = await manifest();
    const response = await get(detector.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(createHash('sha256').update(body).digest('hex'), detector.sha256);
    const stale = await get(`device/detector.onnx?sha256=${'0'.repeat(64)}`);
    assert.equal(stale.status, 404);
    assert.match(
      ((await stale.json()) as { error: { message: string } }).error.message,
      /has changed/,
    );
    assert.equal((await get('device/other.onnx')).status, 404);
  });

  it('follows the directory: a calibration and a new version change what is described', async () => {
    const before = await manifest();
    await writeThresholdOverlay(modelDir, 'detector', {
      model: { name: before.detector.card.name, version: before.detector.card.version },
      confidence: 0.61,
      writtenAt: '2026-12-08T00:00:00Z',
      basis: 'test',
    });
    const calibrated = await manifest();
    assert.equal(calibrated.detector.card.thresholds.confidence, 0.61);
    assert.match(calibrated.detector.card.thresholds.source, /^calibration 1 /);

    const card = JSON.parse(await readFile(join(modelDir, 'detector.json'), 'utf8')) as {
      version: string;
    };
    await mkdir(join(modelDir, 'detector', '1'), { recursive: true });
    await writeFile(join(modelDir, 'detector', '1', 'detector.onnx'), Buffer.from('not a model'));
    await writeFile(
      join(modelDir, 'detector', '1', 'detector.json'),
      JSON.stringify({ ...card, version: '7.0.0' }),
    );
    const next = await manifest();
    assert.equal(next.detector.card.version, '7.0.0');
    assert.notEqual(next.detector.sha256, before.detector.sha256);
    assert.equal(
      Buffer.from(await (await get(next.detector.url)).arrayBuffer()).toString(),
      'not a model',
    );
    assert.equal((await get(before.detector.url)).status, 404);
  });

  it("serves onnxruntime-web's files under its version, and not the page's sources", async () => {
    const { ort } = await manifest();
    for (const file of ORT_FILES) {
      const response = await get(`${ort.folder}${file}`);
      assert.equal(response.status, 200, file);
      await response.arrayBuffer();
    }
    const wasm = await get(`${ort.folder}ort-wasm-simd-threaded.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    await wasm.arrayBuffer();
    for (const path of ['src/device.ts', 'tsconfig.json']) {
      assert.equal((await get(path)).status, 404, path);
    }
    for (const path of ['gen/device.js', 'sw.js', 'device-mode.js', 'manifest.webmanifest']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
      await response.arrayBuffer();
    }
  });

  it('answers 404 with a reason when MODEL_DIR holds no models', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'web-tester-empty-'));
    const other = await startFunctionOn(services, { serveWeb: true, modelDir: empty });
    try {
      const response = await fetch(`${other.url}/device/models.json`);
      assert.equal(response.status, 404);
      const body = (await response.json()) as { error: { message: string } };
      assert.match(body.error.message, /offers no models for the device mode/);
    } finally {
      await other.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

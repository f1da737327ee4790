// Live model swaps through MODEL_DIR, on the real detector service under load: a new version
// folder is swapped in with no failed call, a broken one is refused and the served one kept,
// a calibration overlay changes the default confidence and names itself as its source, and
// removing the newest version rolls back.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDetectorClient, type DetectorClient } from '../../../lib/client/index.js';
import { loadDetectorCard, writeThresholdOverlay } from '../../../lib/model-card/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { bananaScene } from '../../../test/support/images.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { repoPath } from '../../../test/support/paths.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

/** A version folder `n` holding the shipped weights (or `onnx` bytes) under card version `version`. */
async function writeVersion(dir: string, n: number, version: string, onnx?: Buffer) {
  const folder = join(dir, 'detector', String(n));
  await mkdir(folder, { recursive: true });
  const card = JSON.parse(await readFile(repoPath('models/detector.json'), 'utf8')) as object;
  await writeFile(join(folder, 'detector.json'), JSON.stringify({ ...card, version }));
  if (onnx) await writeFile(join(folder, 'detector.onnx'), onnx);
  else await copyFile(repoPath('models/detector.onnx'), join(folder, 'detector.onnx'));
  return folder;
}

async function reloads(service: RunningService): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(
    /^banana_model_reloads_total\{[^}]*outcome="(\w+)"\} (\d+)/gm,
  )) {
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

describe('detector: models swapped live from MODEL_DIR', () => {
  let dir: string;
  let service: RunningService;
  let client: DetectorClient;
  let photo: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-dir-'));
    for (const file of ['detector.onnx', 'detector.json']) {
      await copyFile(repoPath(`models/${file}`), join(dir, file));
    }
    photo = await bananaScene(320, 240);
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, { modelDir: dir, shutdownGraceMs: 5000 }),
    );
    client = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}` });
  });

  after(async () => {
    client.close();
    await service.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `during` while 4 clients call Detect back to back; returns every answer's version. */
  async function underLoad(during: () => Promise<void>) {
    let running = true;
    const versions: string[] = [];
    const failures: unknown[] = [];
    const loop = async () => {
      while (running) {
        try {
          const answer = await client.detect({ image: photo }, { deadlineMs: 10_000 });
          versions.push(answer.model?.version ?? '');
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const clients = Array.from({ length: 4 }, loop);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await during();
    await new Promise((resolve) => setTimeout(resolve, 200));
    running = false;
    await Promise.all(clients);
    return { versions, failures };
  }

  it('swaps a new version folder in under load without a failed call, and reports it', async () => {
    const before = (await client.getModelInfo()).model?.version;
    await writeVersion(dir, 1, '9.0.0-swap.1');
    const { versions, failures } = await underLoad(() => service.checkModelDir());
    assert.deepEqual(failures, []);
    assert.equal(versions[0], before, 'the first answers come from the served model');
    assert.equal(versions.at(-1), '9.0.0-swap.1', 'the last ones from the new version');
    assert.equal((await client.getModelInfo()).model?.version, '9.0.0-swap.1');
    assert.deepEqual(await reloads(service), { swapped: 1, failed: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
    assert.match(metrics, /banana_model_info\{[^}]*version="9\.0\.0-swap\.1"\} 1/);
    assert.doesNotMatch(metrics, new RegExp(`banana_model_info\\{[^}]*version="${before}"`));
  });

  it('refuses a version that fails to load, keeps serving the current one, and tries it again only once its files change', async () => {
    const folder = await writeVersion(dir, 2, '9.0.0-broken', Buffer.from('not an onnx model'));
    const { versions, failures } = await underLoad(() => service.checkModelDir());
    assert.deepEqual(failures, []);
    assert.ok(versions.every((v) => v === '9.0.0-swap.1'));
    assert.deepEqual(await reloads(service), { swapped: 1, failed: 1 });
    await service.checkModelDir();
    assert.deepEqual(await reloads(service), { swapped: 1, failed: 1 }, 'not retried unchanged');
    await rm(folder, { recursive: true });

    // A version must keep the model's name: clients and the Open Inference routes use it.
    const renamed = await writeVersion(dir, 3, '9.0.0-renamed');
    const card = JSON.parse(await readFile(join(renamed, 'detector.json'), 'utf8')) as object;
    await writeFile(join(renamed, 'detector.json'), JSON.stringify({ ...card, name: 'other' }));
    await service.checkModelDir();
    assert.deepEqual(await reloads(service), { swapped: 1, failed: 2 });
    assert.equal((await client.getModelInfo()).model?.version, '9.0.0-swap.1');
    await rm(renamed, { recursive: true });
  });

  it('applies a calibration overlay written for the served version, naming it as the source', async () => {
    await writeThresholdOverlay(dir, 'detector', {
      model: { name: 'banana-detector', version: '9.0.0-swap.1' },
      confidence: 0.93,
      writtenAt: '2026-12-07T12:00:00.000Z',
      basis: '95% of 20 photos with bananas found, 5% of 20 without flagged',
    });
    await service.checkModelDir();
    const defaults = (await client.getModelInfo()).detectionDefaults;
    assert.equal(defaults?.minConfidence, Math.fround(0.93));
    assert.equal(
      defaults.minConfidenceSource,
      'calibration 1 (2026-12-07): 95% of 20 photos with bananas found, 5% of 20 without flagged',
    );
    const answer = await client.detect({ image: photo });
    assert.equal(answer.minConfidence, Math.fround(0.93));
    assert.match(answer.minConfidenceSource, /^calibration 1 /);
    assert.ok(answer.detections.every((d) => d.confidence >= 0.93));
    const asked = await client.detect({ image: photo, minConfidence: 0.1 });
    assert.equal(asked.minConfidenceSource, 'request');
  });

  it('rolls back to the base model when the version folder is removed (its overlay no longer applies)', async () => {
    await rm(join(dir, 'detector', '1'), { recursive: true });
    await service.checkModelDir();
    const info = await client.getModelInfo();
    const base = await loadDetectorCard(repoPath('models/detector.json'));
    assert.equal(info.model?.version, base.version);
    assert.equal(info.detectionDefaults?.minConfidenceSource, 'model card');
    assert.deepEqual(await reloads(service), { swapped: 3, failed: 2 });
  });
});

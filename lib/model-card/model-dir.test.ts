import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelCardError } from './model-card-error.js';
import {
  findModelFiles,
  nextVersionNumber,
  overlayFor,
  withOverlay,
  writeThresholdOverlay,
} from './model-dir.js';
import type { DetectorCard } from './types.js';

async function touch(path: string, content = 'x') {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

const overlay = (version: string, confidence: number) => ({
  model: { name: 'banana-detector', version },
  confidence,
  writtenAt: '2026-12-07T10:00:00.000Z',
  basis: 'test',
});

describe('models directory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-dir-unit-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holding nothing: an error naming the directory and the layout', async () => {
    await assert.rejects(
      findModelFiles(dir, 'detector'),
      (error: unknown) =>
        error instanceof ModelCardError &&
        error.message.includes(dir) &&
        error.message.includes('detector/<n>/'),
    );
  });

  it('the base files, then the highest complete numbered version folder', async () => {
    await touch(join(dir, 'detector.onnx'));
    await touch(join(dir, 'detector.json'));
    let files = await findModelFiles(dir, 'detector');
    assert.equal(files.origin, 'base');
    assert.equal(files.modelPath, join(dir, 'detector.onnx'));

    await touch(join(dir, 'detector', '2', 'detector.onnx'));
    await touch(join(dir, 'detector', '2', 'detector.json'));
    await touch(join(dir, 'detector', '10', 'detector.onnx')); // no card: incomplete
    await touch(join(dir, 'detector', 'latest', 'detector.onnx'));
    await touch(join(dir, 'detector', 'latest', 'detector.json')); // not numbered
    files = await findModelFiles(dir, 'detector');
    assert.equal(files.origin, 'detector/2');
    assert.equal(files.cardPath, join(dir, 'detector', '2', 'detector.json'));
    assert.equal(await nextVersionNumber(dir, 'detector'), 11);

    const before = files.fingerprint;
    await touch(join(dir, 'detector', '2', 'detector.json'), 'changed');
    assert.notEqual((await findModelFiles(dir, 'detector')).fingerprint, before);
  });

  it('overlays: numbered, newest first; the newest written for the served version applies', async () => {
    const first = await writeThresholdOverlay(dir, 'detector', overlay('2.0.0', 0.5));
    const second = await writeThresholdOverlay(dir, 'detector', overlay('3.0.0', 0.6));
    const third = await writeThresholdOverlay(dir, 'detector', overlay('2.0.0', 0.7));
    assert.deepEqual([first.revision, second.revision, third.revision], [1, 2, 3]);
    const files = await findModelFiles(dir, 'detector');
    assert.deepEqual(files.overlayPaths, [third.path, second.path, first.path]);

    const card = {
      name: 'banana-detector',
      version: '2.0.0',
      thresholds: { confidence: 0.38, iou: 0.4, maxDetections: 100, source: 'model card' },
    } as DetectorCard;
    const found = await overlayFor(card, files.overlayPaths);
    assert.equal(found?.revision, 3);
    assert.deepEqual(withOverlay(card, found).thresholds, {
      confidence: 0.7,
      iou: 0.4,
      maxDetections: 100,
      source: 'calibration 3 (2026-12-07): test',
    });
    assert.equal(await overlayFor({ ...card, version: '4.0.0' }, files.overlayPaths), undefined);
    assert.equal(withOverlay(card, undefined), card);
  });

  it('a malformed overlay is an error naming the file and the field', async () => {
    const path = join(dir, 'detector', 'thresholds', '9.json');
    await touch(path, JSON.stringify({ revision: 9, model: { name: 'a', version: 'b' } }));
    await assert.rejects(
      overlayFor({ name: 'a', version: 'b' }, [path]),
      (error: unknown) =>
        error instanceof ModelCardError && /9\.json.*thresholds\.confidence/.test(error.message),
    );
  });
});

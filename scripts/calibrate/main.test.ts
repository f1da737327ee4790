// npm run calibrate end to end, on generated photos and a models directory of its own. The
// same photos in both folders make the found and flagged columns equal at every threshold,
// whatever the model scores them; target 1 makes the chosen threshold find them all.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findModelFiles, loadDetectorCard, overlayFor } from '../../lib/model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { runCli } from '../../test/support/run-cli.js';
import { syntheticBananaPhoto } from '../lib/synthetic-photo.js';

const MAIN = 'scripts/calibrate/main.ts';

describe('npm run calibrate', () => {
  let dir: string;
  let modelDir: string;
  let photos: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'calibrate-'));
    modelDir = join(dir, 'models');
    photos = join(dir, 'photos');
    await mkdir(modelDir);
    await mkdir(join(photos, 'sub'), { recursive: true });
    for (const file of ['detector.onnx', 'detector.json']) {
      await copyFile(repoPath(`models/${file}`), join(modelDir, file));
    }
    for (let seed = 1; seed <= 4; seed++) {
      const photo = await syntheticBananaPhoto({ width: 480, height: 360, bananas: seed, seed });
      await writeFile(join(photos, seed > 2 ? 'sub' : '.', `p${seed}.jpg`), photo);
    }
    await writeFile(join(photos, 'broken.jpg'), Buffer.from('not a photo'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (...extra: string[]) =>
    runCli(
      MAIN,
      ['--with-bananas', photos, '--without-bananas', photos, '--model-dir', modelDir, ...extra],
      {
        timeoutMs: 60_000,
      },
    );

  it('prints the table and the choice, skips an unreadable photo, and with --dry-run writes nothing', async () => {
    const result = await run('--target-found', '1', '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    const card = await loadDetectorCard(repoPath('models/detector.json'));
    assert.match(
      result.stdout,
      new RegExp(
        `${card.name} ${card.version} \\(base\\) over 4 photos with bananas and 4 without`,
      ),
    );
    assert.match(result.stdout, /1 photo\(s\) of .* skipped:\n {2}broken\.jpg: /);
    const rows = [...result.stdout.matchAll(/^ +(\d\.\d{3}) +([\d.]+)% +([\d.]+)%(.*)$/gm)];
    assert.ok(rows.length >= 19);
    for (const [, , found, flagged] of rows) assert.equal(found, flagged);
    const inForce = rows.find((row) => row[4]?.includes('in force (model card)'));
    assert.equal(Number(inForce?.[1]), card.thresholds.confidence);
    const chosen = rows.find((row) => row[4]?.includes('chosen'));
    assert.equal(chosen?.[2], '100.0', 'target 1: the chosen threshold finds every photo');
    assert.match(result.stdout, /--dry-run: nothing written/);
    await assert.rejects(readdir(join(modelDir, 'detector')), { code: 'ENOENT' });
  });

  it('writes numbered overlays for the served version, which the services read', async () => {
    const first = await run('--target-found', '1');
    assert.equal(first.code, 0, first.stderr);
    const chosen = Number(/Chosen: ([\d.]+) /.exec(first.stdout)?.[1]);
    assert.match(first.stdout, /Wrote .*detector\/thresholds\/1\.json \(calibration 1\)/);
    const files = await findModelFiles(modelDir, 'detector');
    const card = await loadDetectorCard(files.cardPath);
    const overlay = await overlayFor(card, files.overlayPaths);
    assert.ok(overlay);
    assert.equal(overlay.confidence, chosen);
    assert.match(
      overlay.basis,
      /^100\.0% of 4 photos with bananas found, 100\.0% of 4 without flagged \(target 100\.0% found\)$/,
    );
    const written = JSON.parse(await readFile(files.overlayPaths[0] ?? '', 'utf8')) as {
      replaced: { confidence: number; source: string };
    };
    assert.deepEqual(written.replaced, {
      confidence: card.thresholds.confidence,
      source: 'model card',
    });

    const second = await run('--target-found', '0.5');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /in force \(calibration 1 /);
    assert.match(second.stdout, /Wrote .*thresholds\/2\.json \(calibration 2\)/);
  });

  it('fails with one line for a folder without photos and a directory without a model', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const noPhotos = await runCli(MAIN, [
      '--with-bananas',
      empty,
      '--without-bananas',
      photos,
      '--model-dir',
      modelDir,
    ]);
    assert.equal(noPhotos.code, 1);
    assert.match(noPhotos.stderr, /empty holds no photos \(JPEG, PNG or WebP\)/);
    const noModel = await runCli(MAIN, [
      '--with-bananas',
      photos,
      '--without-bananas',
      photos,
      '--model-dir',
      empty,
    ]);
    assert.equal(noModel.code, 1);
    assert.match(noModel.stderr, /holds no detector model/);
  });
});

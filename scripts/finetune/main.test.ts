// npm run finetune end to end on a tiny generated dataset (a few steps), where the toolchain is
// present: the new version folder is written whole, its card names the new version and the
// fine-tuning, its ONNX loads, and the models directory serves it next.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  findModelFiles,
  loadClassifierCard,
  loadDetectorCard,
} from '../../lib/model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { runCli } from '../../test/support/run-cli.js';
import { syntheticBananaPhoto } from '../lib/synthetic-photo.js';
import { toolchainProblem } from './toolchain.js';

const MAIN = 'scripts/finetune/main.ts';
const missing = toolchainProblem(spawnSync);

describe(
  'npm run finetune',
  { skip: missing && `no fine-tuning toolchain here: ${missing}` },
  () => {
    let dir: string;
    let modelDir: string;
    let data: string;
    /** One epoch on `photos`, the user's only, exported whatever it scores. */
    const fewSteps = (model: string, photos: string) =>
      runCli(
        MAIN,
        [
          model,
          '--data',
          photos,
          '--model-dir',
          modelDir,
          '--epochs',
          '1',
          '--no-replay',
          '--force',
        ],
        { timeoutMs: 300_000 },
      );

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'finetune-'));
      modelDir = join(dir, 'models');
      data = join(dir, 'photos');
      await mkdir(modelDir);
      await mkdir(join(data, 'images'), { recursive: true });
      await mkdir(join(data, 'labels'));
      for (const file of ['detector.onnx', 'detector.json']) {
        await copyFile(repoPath(`models/${file}`), join(modelDir, file));
      }
      // 16 photos: half with one box each (YOLO), half without a label file (no banana).
      for (let seed = 1; seed <= 16; seed++) {
        const name = `p${seed}`;
        const photo = await syntheticBananaPhoto({
          width: 320,
          height: 240,
          bananas: seed % 2,
          seed,
        });
        await writeFile(join(data, 'images', `${name}.jpg`), photo);
        if (seed % 2 === 1)
          await writeFile(join(data, 'labels', `${name}.txt`), '0 0.5 0.5 0.4 0.3\n');
      }
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the next version folder, whole, which the models directory then serves', async () => {
      const base = await loadDetectorCard(join(modelDir, 'detector.json'));
      const result = await fewSteps('detector', data);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /before: \{"holdout":/);
      assert.match(result.stdout, /epoch 1\/1 loss [\d.]+ /);
      const version = `${base.version}-ft.1`;
      assert.match(
        result.stdout,
        new RegExp(`Wrote .*detector/1 \\(detector ${version.replaceAll('.', '\\.')}\\)`),
      );
      assert.deepEqual(
        (await readdir(join(modelDir, 'detector'))).sort(),
        ['1'],
        'no partial folder left',
      );

      const files = await findModelFiles(modelDir, 'detector');
      assert.equal(files.origin, 'detector/1');
      const card = await loadDetectorCard(files.cardPath);
      assert.equal(card.version, version);
      assert.deepEqual(card.thresholds, base.thresholds);
      const written = JSON.parse(await readFile(files.cardPath, 'utf8')) as {
        finetuned: { from: { version: string }; photos: number; held_out: number; epochs: number };
      };
      assert.equal(written.finetuned.from.version, base.version);
      assert.equal(written.finetuned.photos, 16);
      assert.ok(written.finetuned.held_out >= 1 && written.finetuned.held_out < 16);
      const session = await ort.InferenceSession.create(files.modelPath);
      assert.deepEqual(session.inputNames, [card.input.name]);
      assert.deepEqual(session.outputNames, [card.output.name]);
    });

    it('fine-tunes the classifier from stage folders', async () => {
      for (const file of ['classifier.onnx', 'classifier.json']) {
        await copyFile(repoPath(`models/${file}`), join(modelDir, file));
      }
      const stages = (await loadClassifierCard(repoPath('models/classifier.json'))).classes;
      const crops = join(dir, 'stages');
      for (const [i, stage] of stages.entries()) {
        await mkdir(join(crops, stage), { recursive: true });
        for (const seed of [1, 2]) {
          const photo = await syntheticBananaPhoto({
            width: 96,
            height: 64,
            bananas: 1,
            seed: i * 10 + seed,
          });
          await writeFile(join(crops, stage, `${seed}.jpg`), photo);
        }
      }
      const result = await fewSteps('classifier', crops);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      const files = await findModelFiles(modelDir, 'classifier');
      assert.equal(files.origin, 'classifier/1');
      const card = await loadClassifierCard(files.cardPath);
      assert.match(card.version, /-ft\.1$/);
      assert.deepEqual(card.classes, stages);
      const session = await ort.InferenceSession.create(files.modelPath);
      assert.deepEqual(session.outputNames, [card.output.name]);
    });

    it('Ctrl-C stops after the current step and keeps the best epoch so far', async () => {
      // A terminal's Ctrl-C signals the whole foreground process group: npm's node and the trainer.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          repoPath(MAIN),
          'detector',
          '--data',
          data,
          '--model-dir',
          modelDir,
        ].concat(['--epochs', '100', '--no-replay', '--force']),
        { cwd: repoPath('.'), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      const secondEpoch = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/^epoch 2\//m.test(stdout)) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await Promise.race([secondEpoch, exited]);
      process.kill(-(child.pid ?? 0), 'SIGINT');
      assert.equal(await exited, 0, stdout);
      assert.match(stdout, /stopped after epoch \d+ \(Ctrl-C\)/);
      assert.match(stdout, /Wrote .*detector\/2 /);
      const card = JSON.parse(
        await readFile(join(modelDir, 'detector', '2', 'detector.json'), 'utf8'),
      ) as {
        finetuned: { epochs: number };
      };
      assert.equal(card.finetuned.epochs, 100);
    });

    it('refuses data it cannot train on, writing nothing', async () => {
      const few = join(dir, 'few');
      await mkdir(join(few, 'images'), { recursive: true });
      await writeFile(
        join(few, 'images', 'a.jpg'),
        await syntheticBananaPhoto({ width: 64, height: 48 }),
      );
      const result = await runCli(MAIN, [
        'detector',
        '--data',
        few,
        '--model-dir',
        modelDir,
        '--no-replay',
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /holds 1 photos; give at least 10/);
      assert.deepEqual(
        (await readdir(join(modelDir, 'detector'))).sort(),
        ['1', '2'],
        'nothing new',
      );
    });
  },
);

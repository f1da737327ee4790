// `npm run classify` killed with SIGKILL at a random moment, then run again until it finishes:
// every photo of the folder ends up in the results exactly once (its rows whole, none twice),
// in ten runs with kill times drawn from a fixed seed. The function runs on fake model
// services that answer two bananas per photo after a short delay, so that kills land while
// photos are in flight and rows are being written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readResults } from '../../scripts/classify/results-file.js';
import { seededRandom } from '../../scripts/lib/synthetic-photo.js';
import type { FunctionServer } from '../../function/src/server.js';
import {
  detections,
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../support/fake-model-services.js';
import { repoPath } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';

const PHOTOS = 40;
const RUNS = 10;
const CLI = 'scripts/classify/main.ts';

describe('npm run classify killed and resumed', () => {
  let services: FakeModelServices;
  let fn: FunctionServer;
  let dir = '';

  before(async () => {
    services = await startFakeModelServices();
    services.handlers.detect = (_call, callback) => {
      setTimeout(() => {
        callback(
          null,
          detections([
            { xMin: 1, yMin: 1, xMax: 20, yMax: 12 },
            { xMin: 20, yMin: 10, xMax: 38, yMax: 28 },
          ]),
        );
      }, 80);
    };
    fn = await startFunctionOn(services);
    dir = await mkdtemp(join(tmpdir(), 'kill-resume-'));
    await mkdir(join(dir, 'crate'));
    for (let i = 0; i < PHOTOS; i += 1) {
      const photo = await sharp({
        create: { width: 40, height: 30, channels: 3, background: { r: i * 6, g: 180, b: 20 } },
      })
        .jpeg()
        .toBuffer();
      await writeFile(join(dir, 'crate', `IMG_${String(i).padStart(4, '0')}.jpg`), photo);
    }
  });
  after(async () => {
    await fn.close();
    services.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a batch and kills it with SIGKILL after `ms`; resolves when it has exited. */
  function killAfter(out: string, ms: number): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        repoPath(CLI),
        'crate',
        '--out',
        out,
        '--url',
        fn.url,
        '--concurrency',
        '4',
      ],
      { cwd: repoPath('.'), env: { ...process.env, INIT_CWD: dir }, stdio: 'ignore' },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    return new Promise((resolve) => {
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  it(`grades every photo exactly once in ${RUNS} of ${RUNS} runs`, async (t) => {
    const random = seededRandom(7);
    let interrupted = 0;
    /** Photos whose rows are in the results file so far. */
    const photosIn = async (out: string, run: number) => {
      const bytes = await readFile(join(dir, out)).catch(() => Buffer.alloc(0));
      const { rows } = readResults(bytes, run % 2 === 0 ? 'csv' : 'jsonl');
      return new Set(rows.map((row) => row.file)).size;
    };
    for (let run = 0; run < RUNS; run += 1) {
      const out = `run-${run}.${run % 2 === 0 ? 'csv' : 'jsonl'}`;
      // Two kills at random moments (the CLI starts in about a second; 40 photos take about
      // one more), then a run to the end.
      const gradedAfterKills: number[] = [];
      for (let kill = 0; kill < 2; kill += 1) {
        await killAfter(out, 800 + random() * 1200);
        gradedAfterKills.push(await photosIn(out, run));
      }
      if (gradedAfterKills.some((n) => n > 0 && n < PHOTOS)) interrupted += 1;
      const result = await runCli(CLI, ['crate', '--out', out, '--url', fn.url], { initCwd: dir });
      assert.equal(result.code, 0, result.stderr);
      t.diagnostic(`run ${run}: ${gradedAfterKills.join(', then ')} photos graded when killed`);
      const { rows } = readResults(await readFile(join(dir, out)), run % 2 === 0 ? 'csv' : 'jsonl');
      const perPhoto = new Map<string, number[]>();
      for (const row of rows)
        perPhoto.set(row.file, [...(perPhoto.get(row.file) ?? []), row.banana ?? 0]);
      assert.equal(perPhoto.size, PHOTOS, `run ${run}: every photo`);
      for (const [file, bananas] of perPhoto)
        assert.deepEqual(bananas, [1, 2], `run ${run}: ${file} once, whole`);
    }
    // The kills must land in the middle of batches for the test to mean anything.
    assert.ok(interrupted >= RUNS / 2, `only ${interrupted} runs were killed mid-batch`);
  });
});

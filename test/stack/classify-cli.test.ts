// `npm run classify` against a real function: one photo as a table, a folder into a CSV or
// JSONL results file (one row per banana, failures recorded, resumable).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCsv } from '../../scripts/classify/results-file.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { solidImage } from '../support/images.js';
import { runCli } from '../support/run-cli.js';
import { post } from './answers.js';
import { useLocalStack } from './stack-fixture.js';

const CLI = 'scripts/classify/main.ts';
const stack = useLocalStack({ classifierReplicas: 1 });
let dir = '';
let photos: Record<string, Buffer> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'classify-cli-'));
  photos = {
    'shelf/a.jpg': await syntheticBananaPhoto({ width: 640, height: 480, bananas: 3, seed: 1 }),
    'shelf/b.png': await syntheticBananaPhoto({
      width: 480,
      height: 360,
      bananas: 2,
      seed: 2,
      format: 'png',
    }),
    'shelf/crate/c.webp': await syntheticBananaPhoto({
      width: 800,
      height: 600,
      bananas: 4,
      seed: 3,
      format: 'webp',
    }),
    'shelf/broken.jpg': Buffer.from('this is not a photo'),
    'shelf/notes.txt': Buffer.from('not a photo, and not picked up from a folder'),
  };
  for (const [name, bytes] of Object.entries(photos)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) =>
  runCli(CLI, [...args, '--url', stack().functionUrl], { initCwd: dir });

async function answerFor(name: string) {
  const result = await post(`${stack().functionUrl}/?format=none`, { body: photos[name] });
  assert.equal(result.status, 200);
  return result.body;
}

describe('npm run classify', () => {
  it('prints one photo as a table (relative path from where npm was run)', async () => {
    const result = await run(['shelf/a.jpg']);
    assert.equal(result.code, 0, result.stderr);
    const answer = await answerFor('shelf/a.jpg');
    const count = answer.detections.length;
    assert.match(result.stdout, new RegExp(`^${count} bananas? in a 640x480 photo`));
  });

  it('grades a folder into a CSV: one row per banana, failures recorded, the batch goes on', async () => {
    const result = await run(['shelf', '--out', 'results.csv', '--concurrency', '2']);
    // A photo failed: the exit status says so, and how to try again.
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /1 photo failed \(the error column says why\); run the same command again/,
    );
    assert.doesNotMatch(
      result.stderr,
      /photos\/s/,
      'no progress bar when stderr is not a terminal',
    );
    const [header, ...records] = parseCsv(await readFile(join(dir, 'results.csv'), 'utf8'));
    assert.deepEqual(header, [
      'file',
      'banana',
      'stage',
      'stage_confidence',
      'ripeness_index',
      'detection_confidence',
      'x_min',
      'y_min',
      'x_max',
      'y_max',
      'error',
    ]);
    const byFile = new Map<string, string[][]>();
    for (const record of records)
      byFile.set(record[0] ?? '', [...(byFile.get(record[0] ?? '') ?? []), record]);
    assert.deepEqual([...byFile.keys()].sort(), [
      'shelf/a.jpg',
      'shelf/b.png',
      'shelf/broken.jpg',
      'shelf/crate/c.webp',
    ]);

    const [broken] = byFile.get('shelf/broken.jpg') ?? [];
    assert.match(broken?.[10] ?? '', /^HTTP 415: /);
    let bananas = 0;
    for (const name of ['shelf/a.jpg', 'shelf/b.png', 'shelf/crate/c.webp']) {
      const rows = byFile.get(name) ?? [];
      const answer = await answerFor(name);
      if (answer.detections.length === 0) {
        assert.deepEqual(rows, [[name, '', '', '', '', '', '', '', '', '', '']]);
        continue;
      }
      bananas += answer.detections.length;
      assert.deepEqual(
        rows.map((r) => [r[1], r[2], r[10]]),
        answer.detections.map((d, i) => [String(i + 1), d.stage, '']),
        name,
      );
      const first = answer.detections[0];
      assert.ok(first);
      assert.equal(Number(rows[0]?.[4]), first.ripeness_index);
      assert.equal(Number(rows[0]?.[5]), Number(first.confidence.toFixed(4)));
      assert.equal(Number(rows[0]?.[6]), Number(first.box.x_min.toFixed(1)));
    }
    assert.match(result.stdout, /^4 photos in /);
    assert.match(
      result.stdout,
      new RegExp(`\\n${bananas} bananas; \\d+ photos without a banana; 1 failed\\n`),
    );
    assert.match(result.stdout, /\nper stage: /);
  });

  it('resumes: photos already graded are skipped, the failed one is tried again', async () => {
    const before = await readFile(join(dir, 'results.csv'), 'utf8');
    const result = await run(['shelf', '--out', 'results.csv']);
    assert.equal(result.code, 1, 'the broken photo fails again');
    assert.match(result.stdout, /^1 photos in .*; 3 already in .*results\.csv, skipped/);
    const added = (await readFile(join(dir, 'results.csv'), 'utf8')).slice(before.length);
    assert.match(added, /^shelf\/broken\.jpg,,,,,,,,,,"HTTP 415: [^"]*"\n$/);
  });

  it('writes JSON Lines, with a row for a photo without bananas', async () => {
    await writeFile(
      join(dir, 'grey.png'),
      await solidImage(320, 240, 'png', { r: 128, g: 128, b: 128 }),
    );
    const result = await run(['grey.png', '--out', 'out/grey.jsonl', '--min-confidence', '1']);
    assert.equal(result.code, 1, 'the out/ folder does not exist');
    await mkdir(join(dir, 'out'));
    const ok = await run(['grey.png', '--out', 'out/grey.jsonl', '--min-confidence', '1']);
    assert.equal(ok.code, 0, ok.stderr);
    const lines = (await readFile(join(dir, 'out/grey.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown),
      [
        {
          file: 'grey.png',
          banana: null,
          stage: null,
          stage_confidence: null,
          ripeness_index: null,
          detection_confidence: null,
          x_min: null,
          y_min: null,
          x_max: null,
          y_max: null,
          error: null,
        },
      ],
    );
  });

  it('stops with a clear message when no function answers, recording nothing', async () => {
    const result = await runCli(
      CLI,
      ['shelf', '--out', 'unreachable.csv', '--url', 'http://127.0.0.1:9'],
      { initCwd: dir },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No banana-ripeness function answered at http:\/\/127\.0\.0\.1:9/);
    assert.equal(
      await readFile(join(dir, 'unreachable.csv'), 'utf8'),
      'file,banana,stage,stage_confidence,ripeness_index,detection_confidence,x_min,y_min,x_max,y_max,error\n',
    );
  });

  it('asks for --out when given several photos', async () => {
    const result = await run(['shelf/a.jpg', 'shelf/b.png']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Several photos need a results file: add --out results\.csv/);
  });
});

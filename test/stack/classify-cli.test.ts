// `npm run classify` against a real function: one photo as a table, a folder into a CSV or
// JSONL results file (one row per banana, failures recorded, resumable).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { COLUMNS, photoSha256 } from '../../scripts/classify/results-file.js';
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
    const [header, ...records] = parse(await readFile(join(dir, 'results.csv')), {});
    assert.deepEqual(header, [
      'file',
      'photo_sha256',
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
    assert.match(broken?.[11] ?? '', /^HTTP 415: /);
    assert.equal(broken?.[1], photoSha256(photos['shelf/broken.jpg'] ?? Buffer.alloc(0)));
    let bananas = 0;
    for (const name of ['shelf/a.jpg', 'shelf/b.png', 'shelf/crate/c.webp']) {
      const rows = byFile.get(name) ?? [];
      const answer = await answerFor(name);
      if (answer.detections.length === 0) {
        const sha256 = photoSha256(photos[name] ?? Buffer.alloc(0));
        assert.deepEqual(rows, [[name, sha256, '', '', '', '', '', '', '', '', '', '']]);
        continue;
      }
      bananas += answer.detections.length;
      assert.deepEqual(
        rows.map((r) => [r[1], r[2], r[3], r[11]]),
        answer.detections.map((d, i) => [
          photoSha256(photos[name] ?? Buffer.alloc(0)),
          String(i + 1),
          d.stage,
          '',
        ]),
        name,
      );
      const first = answer.detections[0];
      assert.ok(first);
      assert.equal(Number(rows[0]?.[5]), first.ripeness_index);
      assert.equal(Number(rows[0]?.[6]), Number(first.confidence.toFixed(4)));
      assert.equal(Number(rows[0]?.[7]), Number(first.box.x_min.toFixed(1)));
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
    assert.match(
      result.stdout,
      /^1 photos in .*; 3 photos already in .*results\.csv \(same path and contents\), skipped\n/,
    );
    const added = (await readFile(join(dir, 'results.csv'), 'utf8')).slice(before.length);
    assert.match(added, /^shelf\/broken\.jpg,[0-9a-f]{64},,,,,,,,,,"HTTP 415: [^"]*"\n$/);
  });

  it('grades two crates of same-named photos into one file, run inside each crate', async () => {
    for (const [crate, seed] of [
      ['crate-12', 12],
      ['crate-13', 13],
    ] as const) {
      await mkdir(join(dir, 'crates', crate), { recursive: true });
      const photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 1, seed });
      await writeFile(join(dir, 'crates', crate, 'IMG_0001.jpg'), photo);
    }
    const inCrate = (crate: string) =>
      runCli(CLI, ['.', '--out', '../r.csv', '--url', stack().functionUrl], {
        initCwd: join(dir, 'crates', crate),
      });
    const twelve = await inCrate('crate-12');
    assert.equal(twelve.code, 0, twelve.stderr);
    const thirteen = await inCrate('crate-13');
    assert.equal(thirteen.code, 0, thirteen.stderr);
    assert.match(
      thirteen.stdout,
      /^1 photos in .*; \S*r\.csv also holds 1 photo not in this batch \(another folder\?\), kept\n/,
    );
    const records = parse(await readFile(join(dir, 'crates', 'r.csv')), {});
    assert.deepEqual([...new Set(records.slice(1).map((r) => r[0]))].sort(), [
      'crate-12/IMG_0001.jpg',
      'crate-13/IMG_0001.jpg',
    ]);
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
          // outside the results file's folder (out/): its absolute path
          file: join(dir, 'grey.png'),
          photo_sha256: photoSha256(await readFile(join(dir, 'grey.png'))),
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
    assert.equal(await readFile(join(dir, 'unreachable.csv'), 'utf8'), `${COLUMNS.join(',')}\n`);
  });

  it('asks for --out when given several photos', async () => {
    const result = await run(['shelf/a.jpg', 'shelf/b.png']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Several photos need a results file: add --out results\.csv/);
  });
});

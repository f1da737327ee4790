// runBatch against a real function (on fake model services): photos named from the results
// file's folder, and later runs resuming by path and contents.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { FunctionServer } from '../../function/src/server.js';
import {
  detections,
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../../test/support/fake-model-services.js';
import { runBatch } from './batch.js';
import { readResults } from './results-file.js';

describe('runBatch', () => {
  let services: FakeModelServices;
  let fn: FunctionServer;
  let dir: string;
  let detectCalls = 0;

  before(async () => {
    services = await startFakeModelServices();
    services.handlers.detect = (_call, callback) => {
      detectCalls += 1;
      callback(null, detections([{ xMin: 2, yMin: 2, xMax: 30, yMax: 20 }]));
    };
    fn = await startFunctionOn(services);
    dir = await mkdtemp(join(tmpdir(), 'classify-batch-'));
    await mkdir(join(dir, 'photos', 'sub'), { recursive: true });
    const jpeg = await sharp({
      create: { width: 40, height: 30, channels: 3, background: '#d0c000' },
    })
      .jpeg()
      .toBuffer();
    for (const name of ['a.jpg', 'sub/b.jpg', 'c.jpg'])
      await writeFile(join(dir, 'photos', name), jpeg);
  });
  after(async () => {
    await fn.close();
    services.close();
    await rm(dir, { recursive: true, force: true });
  });

  const photos = (...names: string[]) => names.map((name) => join(dir, 'photos', name));
  const fileColumn = async (path: string) =>
    readResults(await readFile(path), 'csv').rows.map((row) => row.file);

  it('names photos from the results file folder, and a second run grades only the new ones', async () => {
    const resultsPath = join(dir, 'results.csv');
    const options = { resultsPath, url: fn.url, concurrency: 2 };
    const first = await runBatch({ ...options, photos: photos('a.jpg', 'sub/b.jpg') });
    assert.equal(first.skipped, 0);
    assert.equal(first.bananas, 2);
    assert.deepEqual((await fileColumn(resultsPath)).sort(), ['photos/a.jpg', 'photos/sub/b.jpg']);
    assert.equal(detectCalls, 2);

    const second = await runBatch({ ...options, photos: photos('a.jpg', 'sub/b.jpg', 'c.jpg') });
    assert.equal(second.skipped, 2, 'the photos already in the results are skipped');
    assert.equal(second.bananas, 1);
    assert.equal(detectCalls, 3, 'only the new photo was sent');
    assert.deepEqual((await fileColumn(resultsPath)).sort(), [
      'photos/a.jpg',
      'photos/c.jpg',
      'photos/sub/b.jpg',
    ]);
  });

  it('grades same-named photos of two folders into one results file, skipping neither', async () => {
    // One crate after the other, the command run inside each: `. --out ../crates.csv`.
    const resultsPath = join(dir, 'crates.csv');
    for (const [crate, colour] of [
      ['crate-12', '#d0c000'],
      ['crate-13', '#40a000'],
    ] as const) {
      await mkdir(join(dir, crate), { recursive: true });
      for (const name of ['IMG_0001.jpg', 'IMG_0002.jpg']) {
        const jpeg = await sharp({
          create: { width: 40, height: 30, channels: 3, background: colour },
        })
          .jpeg()
          .toBuffer();
        await writeFile(join(dir, crate, name), jpeg);
      }
    }
    const crate = (name: string) =>
      runBatch({
        photos: ['IMG_0001.jpg', 'IMG_0002.jpg'].map((photo) => join(dir, name, photo)),
        resultsPath,
        url: fn.url,
        concurrency: 2,
      });
    const before = detectCalls;
    const twelve = await crate('crate-12');
    const thirteen = await crate('crate-13');
    assert.deepEqual(
      [twelve.photos, twelve.skipped, twelve.otherPhotos],
      [2, 0, 0],
      'crate 12 graded',
    );
    assert.deepEqual(
      [thirteen.photos, thirteen.skipped, thirteen.otherPhotos],
      [2, 0, 2],
      'crate 13 graded too; crate 12 kept and counted',
    );
    assert.equal(detectCalls - before, 4);
    assert.deepEqual((await fileColumn(resultsPath)).sort(), [
      'crate-12/IMG_0001.jpg',
      'crate-12/IMG_0002.jpg',
      'crate-13/IMG_0001.jpg',
      'crate-13/IMG_0002.jpg',
    ]);

    // Run again in crate 13: nothing to do. A photo replaced since is graded again.
    const again = await crate('crate-13');
    assert.deepEqual([again.photos, again.skipped, again.changed], [0, 2, 0]);
    await writeFile(
      join(dir, 'crate-13', 'IMG_0002.jpg'),
      await readFile(join(dir, 'photos', 'a.jpg')),
    );
    const changed = await crate('crate-13');
    assert.deepEqual([changed.photos, changed.skipped, changed.changed], [1, 1, 1]);
    assert.equal(detectCalls - before, 5);
  });
});

// runBatch against a real function (on fake model services): photos named relative to the
// base folder in the results, and a second run resuming by those names.
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
import { parseCsv } from './results-file.js';

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
    parseCsv(await readFile(path, 'utf8'))
      .slice(1)
      .map((row) => row[0]);

  it('names photos relative to the base folder, and a second run grades only the new ones', async () => {
    const resultsPath = join(dir, 'results.csv');
    const options = {
      baseDir: join(dir, 'photos'),
      resultsPath,
      url: fn.url,
      concurrency: 2,
    };
    const first = await runBatch({ ...options, photos: photos('a.jpg', 'sub/b.jpg') });
    assert.equal(first.skipped, 0);
    assert.equal(first.bananas, 2);
    assert.deepEqual((await fileColumn(resultsPath)).sort(), ['a.jpg', 'sub/b.jpg']);
    assert.equal(detectCalls, 2);

    const second = await runBatch({ ...options, photos: photos('a.jpg', 'sub/b.jpg', 'c.jpg') });
    assert.equal(second.skipped, 2, 'the photos already in the results are skipped');
    assert.equal(second.bananas, 1);
    assert.equal(detectCalls, 3, 'only the new photo was sent');
    assert.deepEqual((await fileColumn(resultsPath)).sort(), ['a.jpg', 'c.jpg', 'sub/b.jpg']);
  });

  it('resumes by name: the same photos in another folder under the same names are skipped', async () => {
    const resultsPath = join(dir, 'moved.csv');
    const before = detectCalls;
    await runBatch({
      photos: photos('a.jpg'),
      baseDir: join(dir, 'photos'),
      resultsPath,
      url: fn.url,
      concurrency: 1,
    });
    // The folder was moved (or the command run from elsewhere): same names, other paths.
    const moved = join(dir, 'moved');
    await mkdir(moved, { recursive: true });
    await writeFile(join(moved, 'a.jpg'), await readFile(join(dir, 'photos', 'a.jpg')));
    const again = await runBatch({
      photos: [join(moved, 'a.jpg')],
      baseDir: moved,
      resultsPath,
      url: fn.url,
      concurrency: 1,
    });
    assert.equal(again.skipped, 1);
    assert.equal(detectCalls - before, 1);
    assert.deepEqual(await fileColumn(resultsPath), ['a.jpg']);
  });
});

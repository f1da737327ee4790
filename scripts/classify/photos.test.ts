import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { displayName, listPhotos } from './photos.js';

describe('listPhotos', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'photos-'));
    await mkdir(join(dir, 'a/sub'), { recursive: true });
    for (const name of [
      'a/1.JPG',
      'a/2.jpeg',
      'a/sub/3.png',
      'a/sub/4.webp',
      'a/notes.txt',
      'b.gif',
    ])
      await writeFile(join(dir, name), '');
    await symlink(join(dir, 'b.gif'), join(dir, 'a/link.jpg'));
    await symlink(join(dir, 'missing.jpg'), join(dir, 'a/dangling.jpg'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes files as given and searches folders (subfolders, links to files) for photos', async () => {
    const photos = await listPhotos([join(dir, 'a'), join(dir, 'b.gif'), join(dir, 'a/1.JPG')]);
    assert.deepEqual(
      photos.map((p) => p.slice(dir.length + 1)),
      ['a/1.JPG', 'a/2.jpeg', 'a/link.jpg', 'a/sub/3.png', 'a/sub/4.webp', 'b.gif'],
    );
  });
  it('rejects a path that does not exist', async () => {
    await assert.rejects(listPhotos([join(dir, 'nothing')]), /ENOENT/);
  });
});

describe('displayName', () => {
  it('is relative inside the base folder, absolute outside it', () => {
    assert.equal(displayName('/home/me/photos/a.jpg', '/home/me'), 'photos/a.jpg');
    assert.equal(displayName('/tmp/a.jpg', '/home/me'), '/tmp/a.jpg');
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findUp } from './find-up.js';

describe('findUp', () => {
  const root = mkdtempSync(join(tmpdir(), 'find-up-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'web'));
  writeFileSync(join(root, 'web', 'index.html'), '');
  mkdirSync(join(root, 'dist', 'function', 'src'), { recursive: true });
  mkdirSync(join(root, 'dist', 'web')); // no marker: passed over

  it('finds the nearest folder holding the marker, walking up', () => {
    assert.equal(
      findUp(join(root, 'dist', 'function', 'src'), 'web', 'index.html'),
      join(root, 'web'),
    );
    assert.equal(findUp(root, 'web', 'index.html'), join(root, 'web'));
  });
  it('is undefined when no folder above holds it', () => {
    assert.equal(findUp(join(root, 'dist'), 'web', 'app.js'), undefined);
  });
});

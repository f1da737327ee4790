import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../test/support/eventually.js';
import { bearerKey, loadApiKeyStore, matchKey, parseApiKeys, sha256 } from './api-keys.js';

const KEY = '0123456789abcdef0123';

describe('API key file', () => {
  it('reads `key`, `name:key` and `name:sha256:<hex>` lines, skipping blanks and comments', () => {
    const hashed = sha256('another-key-of-20-chars').toString('hex');
    const entries = parseApiKeys(`# keys\n\n${KEY}\ngrader:${KEY}x\nline:sha256:${hashed}\n`);
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['line-3', 'grader', 'line'],
    );
    assert.equal(matchKey(entries, KEY), 'line-3');
    assert.equal(matchKey(entries, `${KEY}x`), 'grader');
    assert.equal(matchKey(entries, 'another-key-of-20-chars'), 'line');
    assert.equal(matchKey(entries, `sha256:${hashed}`), undefined);
    assert.equal(matchKey(entries, KEY.slice(1)), undefined);
    assert.equal(matchKey(entries, ''), undefined);
  });

  it('reads a `sha256:<hex>` line without a name as a hashed key, not as a key named sha256', () => {
    const hashed = sha256(KEY).toString('hex');
    const entries = parseApiKeys(`sha256:${hashed}\n`);
    assert.deepEqual(
      entries.map((entry) => [entry.name, entry.digest.toString('hex')]),
      [['line-1', hashed]],
    );
    assert.equal(matchKey(entries, KEY), 'line-1', 'the key whose digest is listed');
    assert.equal(matchKey(entries, hashed), undefined, 'not the digest itself');
    assert.equal(matchKey(entries, `sha256:${hashed}`), undefined);
  });

  it('refuses short keys, bad names, repeated names and an empty file, naming the line', () => {
    assert.throws(() => parseApiKeys('short'), /line 1: a key has at least 16/);
    assert.throws(() => parseApiKeys(`bad name:${KEY}`), /line 1: a key name/);
    assert.throws(() => parseApiKeys(`a:${KEY}\n\na:${KEY}1`), /line 3: name "a" repeated/);
    assert.throws(() => parseApiKeys('# nothing\n'), /no key/);
  });

  it('takes the key of a Bearer authorization value only', () => {
    assert.equal(bearerKey(`Bearer ${KEY}`), KEY);
    assert.equal(bearerKey(`bearer  ${KEY} `), KEY);
    assert.equal(bearerKey(`Basic ${KEY}`), undefined);
    assert.equal(bearerKey(KEY), undefined);
    assert.equal(bearerKey(undefined), undefined);
    // Nothing may follow the key: "Bearer <key> <extra>" is not a Bearer value.
    assert.equal(bearerKey(`Bearer ${KEY} extra`), undefined);
    assert.equal(bearerKey(`Bearer ${KEY},other`), `${KEY},other`, 'one token, as sent');
    assert.equal(bearerKey(`Bearer ${KEY}\textra`), undefined);
  });

  it('reloads a changed file and keeps the previous keys when the new file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const path = join(dir, 'keys');
    writeFileSync(path, `one:${KEY}\n`);
    const errors: Error[] = [];
    let reloads = 0;
    const store = loadApiKeyStore(path, {
      reloadIntervalMs: 20,
      onReload: () => reloads++,
      onReloadError: (error) => errors.push(error),
    });
    try {
      assert.deepEqual(store.check(`Bearer ${KEY}`), { ok: true, outcome: 'ok', name: 'one' });
      assert.equal(store.check(undefined).outcome, 'missing');
      writeFileSync(path, `two:${KEY}-two\n`);
      await eventually(
        'the reload',
        () => Promise.resolve(reloads),
        (n) => n > 0,
        5000,
        20,
      );
      assert.equal(store.check(`Bearer ${KEY}`).outcome, 'invalid');
      assert.equal(store.check(`Bearer ${KEY}-two`).ok, true);
      writeFileSync(path, 'too-short\n');
      await eventually(
        'the failed reload',
        () => Promise.resolve(errors.length),
        (n) => n > 0,
        5000,
        20,
      );
      assert.match(String(errors[0]?.message), /at least 16/);
      assert.equal(store.check(`Bearer ${KEY}-two`).ok, true);
    } finally {
      store.close();
      rmSync(dir, { recursive: true });
    }
  });

  it('reloads a file rewritten in place with the same size (same inode, other key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const path = join(dir, 'keys');
    const first = `one:${'a'.repeat(20)}\n`;
    const second = `one:${'b'.repeat(20)}\n`;
    assert.equal(first.length, second.length);
    writeFileSync(path, first);
    let reloads = 0;
    const store = loadApiKeyStore(path, { reloadIntervalMs: 20, onReload: () => reloads++ });
    try {
      const inode = statSync(path).ino;
      writeFileSync(path, second); // truncate and write: the same inode, the same size
      assert.equal(statSync(path).ino, inode);
      await eventually(
        'the reload',
        () => Promise.resolve(reloads),
        (n) => n > 0,
        5000,
        20,
      );
      assert.equal(store.check(`Bearer ${'b'.repeat(20)}`).ok, true);
      assert.equal(store.check(`Bearer ${'a'.repeat(20)}`).ok, false);
    } finally {
      store.close();
      rmSync(dir, { recursive: true });
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
      while (reloads === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(store.check(`Bearer ${KEY}`).outcome, 'invalid');
      assert.equal(store.check(`Bearer ${KEY}-two`).ok, true);
      writeFileSync(path, 'too-short\n');
      while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(String(errors[0]?.message), /at least 16/);
      assert.equal(store.check(`Bearer ${KEY}-two`).ok, true);
    } finally {
      store.close();
      rmSync(dir, { recursive: true });
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseApiKeys } from '../../lib/auth/index.js';
import { createLocalKeys, DIRECT_KEY_NAME, FUNCTION_KEY_NAME } from './api-keys.js';

describe('the local stack key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-keys-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the user's keys as the function does, beside the stack's own", () => {
    const user = join(dir, 'keys.txt');
    // A named key "line-3" next to a key without a name: moved down a line or two, the
    // unnamed key would be line-3 too, and the services would refuse the file.
    writeFileSync(user, `line-3:${'a'.repeat(20)}\n${'b'.repeat(20)}`);
    const keys = createLocalKeys({ userKeysFile: user, directKey: true });
    try {
      const services = parseApiKeys(readFileSync(keys.serviceEnv.API_KEYS_FILE ?? '', 'utf8'));
      const function_ = parseApiKeys(readFileSync(user, 'utf8'));
      assert.deepEqual(
        services.map((entry) => entry.name),
        [...function_.map((entry) => entry.name), FUNCTION_KEY_NAME, DIRECT_KEY_NAME],
      );
      assert.deepEqual(
        services.slice(0, function_.length).map((entry) => entry.digest),
        function_.map((entry) => entry.digest),
      );
    } finally {
      keys.remove();
    }
  });
});

// `npm start -- --api-keys FILE` (or API_KEYS_FILE=FILE npm start), as a user runs it: the
// function's port and the model services require a key of the file, the function calls the
// services with a key of its own, a changed file is picked up, and a bad key stops the start
// with one line.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDetectorClient } from '../../lib/client/index.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { eventually } from '../support/eventually.js';
import { repoPath } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';
import { freePort } from '../support/free-port.js';

const CLI = 'scripts/local-stack/main.ts';
const KEY = 'team-a-0123456789abcdef';
const NEW_KEY = 'team-b-fedcba9876543210';
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stack-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm start with API keys', () => {
  let stack: ChildProcess | undefined;
  let output = '';
  let url = '';
  const photo = () => syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
  const classify = async (key?: string) =>
    fetch(`${url}/?format=none`, {
      method: 'POST',
      body: await photo(),
      headers: {
        'content-type': 'image/jpeg',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
    });

  before(async () => {
    await writeFile(join(dir, 'keys.txt'), `# who may call\nteam-a:${KEY}\n`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // As `API_KEYS_FILE=keys.txt npm start` from the folder holding keys.txt.
    stack = spawn(process.execPath, ['--import', 'tsx', repoPath(CLI), '--port', String(port)], {
      cwd: repoPath('.'),
      env: { ...process.env, INIT_CWD: dir, API_KEYS_FILE: 'keys.txt' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      'npm start to be ready',
      () => Promise.resolve(output),
      (text) => text.includes('Press Ctrl-C to stop.') || stack?.exitCode !== null,
      120_000,
    );
    assert.match(output, /Press Ctrl-C to stop\./, output);
  });
  after(async () => {
    if (!stack || stack.exitCode !== null) return;
    const exited = new Promise((resolve) => stack?.once('exit', resolve));
    stack.kill('SIGINT');
    await exited;
  });

  it('says which ports need a key', () => {
    assert.match(
      output,
      new RegExp(
        `Keys {12}the function \\(POST /\\) and the model services require a key of ${join(dir, 'keys.txt')}`,
      ),
    );
  });

  it("grades a photo sent with a key of the file; refuses one without, in the function's JSON shape", async () => {
    const answered = await classify(KEY);
    assert.equal(answered.status, 200, await answered.clone().text());
    const body = (await answered.json()) as { models: { detector: { name: string } } };
    assert.equal(body.models.detector.name, 'banana-detector');

    const refused = await classify();
    assert.equal(refused.status, 401);
    assert.equal(
      ((await refused.json()) as { error: { code: string } }).error.code,
      'unauthenticated',
    );
    assert.equal((await classify('not-a-key-of-the-file')).status, 401);
  });

  it('lets a caller with a key of the file call the detector directly; refuses one without', async () => {
    const call = async (apiKey?: string) => {
      const detector = createDetectorClient({
        target: '127.0.0.1:50051',
        defaultDeadlineMs: 10_000,
        ...(apiKey === undefined ? {} : { apiKey }),
      });
      try {
        return await detector.detect({ image: await photo() });
      } finally {
        detector.close();
      }
    };
    assert.equal((await call(KEY)).model?.name, 'banana-detector');
    await assert.rejects(call(), /UNAUTHENTICATED/);
  });

  it('takes a changed key file without a restart, in the function and the services', async () => {
    await writeFile(join(dir, 'keys.txt'), `team-b:${NEW_KEY}\n`);
    await eventually(
      'the new key to be accepted',
      async () => (await classify(NEW_KEY)).status,
      (status) => status === 200,
      15_000,
    );
    assert.equal((await classify(KEY)).status, 401, 'the removed key is refused');
  });
});

describe('npm start with a bad key file', () => {
  it('stops before starting anything, with one line naming the file, the line and the rule', async () => {
    await writeFile(join(dir, 'short.txt'), 'me:14-characters\n');
    const result = await runCli(
      CLI,
      ['--api-keys', 'short.txt', '--port', String(await freePort())],
      {
        initCwd: dir,
      },
    );
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `Could not start the local stack: --api-keys ${join(dir, 'short.txt')}: line 1: a key has at least 16 characters\n`,
    );
    assert.doesNotMatch(result.stdout, /Starting/);
  });
});

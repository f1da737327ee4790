import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../lib/cli.js';
import { parseCalibrateArgs } from './args.js';

describe('npm run calibrate arguments', () => {
  const env = { INIT_CWD: '/home/me' };

  it('folders from where npm ran, the model directory from $MODEL_DIR, target 0.95', () => {
    assert.deepEqual(
      parseCalibrateArgs(['--with-bananas', 'a', '--without-bananas', '/b'], {
        ...env,
        MODEL_DIR: '/srv/models',
      }),
      {
        withBananas: '/home/me/a',
        withoutBananas: '/b',
        targetFound: 0.95,
        modelDir: '/srv/models',
        dryRun: false,
      },
    );
    const args = parseCalibrateArgs(
      [
        '--with-bananas',
        'a',
        '--without-bananas',
        'b',
        '--target-found',
        '1',
        '--dry-run',
        '--model-dir',
        'm',
      ],
      env,
    );
    assert.equal(args.targetFound, 1);
    assert.equal(args.modelDir, '/home/me/m');
    assert.equal(args.dryRun, true);
  });

  it('refuses a missing folder, a target outside 0.5..1 and a stray argument', () => {
    const refuses = (argv: string[], message: RegExp) => {
      assert.throws(
        () => parseCalibrateArgs(argv, env),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    };
    refuses(['--with-bananas', 'a'], /both --with-bananas DIR and --without-bananas DIR/);
    const folders = ['--with-bananas', 'a', '--without-bananas', 'b'];
    for (const bad of ['0.4', '1.01', 'x', '']) {
      refuses([...folders, '--target-found', bad], /--target-found needs a share from 0.5 to 1/);
    }
    refuses([...folders, 'extra'], /unexpected argument extra/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../lib/cli.js';
import { parseFinetuneArgs } from './args.js';

describe('npm run finetune arguments', () => {
  const env = { INIT_CWD: '/home/me' };

  it('the model, the data from where npm ran, the shipped data as replay when present', () => {
    assert.deepEqual(parseFinetuneArgs(['detector', '--data', 'shop'], env, '/'), {
      model: 'detector',
      data: '/home/me/shop',
      withBananas: undefined,
      modelDir: '/home/me/models',
      replay: '/',
      epochs: 8,
      holdout: 0.2,
      force: false,
    });
    const absent = parseFinetuneArgs(['classifier', '--data', '/d'], env, '/no/such/folder');
    assert.equal(absent.replay, undefined);
    const given = parseFinetuneArgs(
      [
        'classifier',
        '--data',
        '/d',
        '--replay',
        'r',
        '--epochs',
        '3',
        '--holdout',
        '0.3',
        '--force',
      ],
      { ...env, MODEL_DIR: '/srv/models' },
    );
    assert.deepEqual(
      [given.replay, given.epochs, given.holdout, given.force, given.modelDir],
      ['/home/me/r', 3, 0.3, true, '/srv/models'],
    );
    assert.equal(
      parseFinetuneArgs(['detector', '--data', 'd', '--no-replay'], env, '/').replay,
      undefined,
    );
  });

  it('refuses what it cannot run', () => {
    const refuses = (argv: string[], message: RegExp) => {
      assert.throws(
        () => parseFinetuneArgs(argv, env, '/'),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    };
    refuses(['--data', 'd'], /say which model: detector or classifier$/);
    refuses(['ripeness', '--data', 'd'], /got ripeness/);
    refuses(['detector'], /give --data DIR/);
    refuses(['detector', '--data', 'd', 'x'], /unexpected argument x/);
    refuses(['detector', '--data', 'd', '--replay', 'r', '--no-replay'], /not both/);
    refuses(
      ['classifier', '--data', 'd', '--with-bananas', 'b'],
      /--with-bananas is for the detector/,
    );
    refuses(
      ['detector', '--data', 'd', '--epochs', '0'],
      /--epochs needs a whole number from 1 to 100/,
    );
    for (const bad of ['0.05', '0.6', 'x']) {
      refuses(
        ['detector', '--data', 'd', '--holdout', bad],
        /--holdout needs a share from 0.1 to 0.5/,
      );
    }
  });
});

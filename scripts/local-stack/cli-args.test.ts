import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli } from '../lib/cli.js';
import { parseStackArgs, STACK_USAGE } from './cli-args.js';

const decide = (argv: string[]) => decideCli(STACK_USAGE, argv, parseStackArgs);

describe('parseStackArgs', () => {
  it('has defaults', () => {
    assert.deepEqual(parseStackArgs([]), {
      detectorReplicas: 1,
      classifierReplicas: 1,
      port: 8080,
      verbose: false,
      tls: false,
    });
  });
  it('reads flags with separate or inline values', () => {
    assert.deepEqual(
      parseStackArgs([
        '--classifier-replicas',
        '3',
        '--detector-replicas=2',
        '--port',
        '9000',
        '--verbose',
        '--tls',
      ]),
      { detectorReplicas: 2, classifierReplicas: 3, port: 9000, verbose: true, tls: true },
    );
  });
  it('takes the key file from --api-keys or API_KEYS_FILE, relative to where npm was run', () => {
    const env = { INIT_CWD: '/home/me/crates' };
    assert.equal(
      parseStackArgs(['--api-keys', 'keys.txt'], env).apiKeysFile,
      '/home/me/crates/keys.txt',
    );
    assert.equal(
      parseStackArgs([], { ...env, API_KEYS_FILE: '/etc/banana/keys' }).apiKeysFile,
      '/etc/banana/keys',
    );
    assert.equal(
      parseStackArgs(['--api-keys=mine'], { ...env, API_KEYS_FILE: '/etc/banana/keys' })
        .apiKeysFile,
      '/home/me/crates/mine',
    );
    assert.equal(parseStackArgs([], env).apiKeysFile, undefined);
  });
  it('rejects bad values, unknown flags and stray arguments with exit 2 and the usage', () => {
    for (const [argv, message] of [
      [
        ['--classifier-replicas', '0'],
        '--classifier-replicas needs a whole number from 1 to 16, got 0',
      ],
      [['--port', '70000'], '--port needs a whole number from 1 to 65535, got 70000'],
      [['--classifier-replicas'], "Option '--classifier-replicas <value>' argument missing"],
      [['--replicas', '2'], "Unknown option '--replicas'"],
      [['extra'], "Unexpected argument 'extra'"],
    ] as const) {
      const outcome = decide([...argv]);
      assert.equal(outcome.exitCode, 2, argv.join(' '));
      assert.ok(outcome.message?.startsWith(message), `${argv.join(' ')}: ${outcome.message}`);
      assert.ok(outcome.message?.endsWith(STACK_USAGE));
    }
  });
  it('--help prints the usage naming every flag and exits 0, even next to a bad flag', () => {
    assert.deepEqual(decide(['--help']), { exitCode: 0, message: STACK_USAGE });
    assert.deepEqual(decide(['--bogus', '-h']), { exitCode: 0, message: STACK_USAGE });
    for (const flag of [
      '--detector-replicas',
      '--classifier-replicas',
      '--port',
      '--verbose',
      '--tls',
      '--api-keys',
      '--help',
    ]) {
      assert.ok(STACK_USAGE.includes(flag), flag);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli, integerFlag, UsageError, userPath } from './cli.js';

describe('userPath', () => {
  it('resolves relative paths from INIT_CWD, else from the working directory', () => {
    assert.equal(userPath('a/b.jpg', { INIT_CWD: '/home/me' }), '/home/me/a/b.jpg');
    assert.equal(userPath('../b.jpg', { INIT_CWD: '/home/me' }), '/home/b.jpg');
    assert.equal(userPath('/abs/b.jpg', { INIT_CWD: '/home/me' }), '/abs/b.jpg');
    assert.equal(userPath('b.jpg', {}), `${process.cwd()}/b.jpg`);
  });
});

describe('integerFlag', () => {
  it('accepts whole numbers in range and names the flag otherwise', () => {
    assert.equal(integerFlag('--n', '3', 1, 5), 3);
    for (const bad of ['0', '6', '2.5', '', ' ', 'x', '1e1']) {
      assert.throws(() => integerFlag('--n', bad, 1, 5), UsageError, bad);
    }
  });
});

describe('decideCli', () => {
  const parse = (argv: string[]) => {
    if (argv.includes('--boom')) throw new Error('a bug, not a usage mistake');
    if (argv.includes('--bad')) throw new UsageError('bad flag');
    return argv;
  };
  it('passes the arguments on', () => {
    assert.deepEqual(decideCli('U', ['a', '--', '-h'], parse), { args: ['a', '--', '-h'] });
  });
  it('--help or -h before -- prints the usage and exits 0', () => {
    assert.deepEqual(decideCli('U', ['--bad', '-h'], parse), { exitCode: 0, message: 'U' });
  });
  it('a usage mistake exits 2 with the message and the usage; other errors are thrown', () => {
    assert.deepEqual(decideCli('U', ['--bad'], parse), { exitCode: 2, message: 'bad flag\n\nU' });
    assert.throws(() => decideCli('U', ['--boom'], parse), /a bug/);
  });
});

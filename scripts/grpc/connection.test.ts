import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../lib/cli.js';
import { splitConnectionArgs } from './connection.js';

const env = { INIT_CWD: '/home/me' };

describe('npm run grpc connection options', () => {
  it('takes --key, --ca, --cert, --cert-key and --server-name out of the arguments', () => {
    const { connection, rest } = splitConnectionArgs(
      [
        'detect',
        'a.jpg',
        '--key',
        'k-123',
        '--addr',
        'h:1',
        '--ca=ca.pem',
        '--cert',
        'c.pem',
      ].concat(['--cert-key', 'c.key', '--server-name', 'detector.example', '--deadline-ms', '5']),
      env,
    );
    assert.deepEqual(rest, ['detect', 'a.jpg', '--addr', 'h:1', '--deadline-ms', '5']);
    assert.deepEqual(connection, {
      apiKey: 'k-123',
      tls: {
        caFile: '/home/me/ca.pem',
        certFile: '/home/me/c.pem',
        keyFile: '/home/me/c.key',
        serverName: 'detector.example',
      },
    });
  });

  it('is plaintext without TLS options, --tls uses the system CAs, BANANA_API_KEY is the default key', () => {
    assert.deepEqual(splitConnectionArgs(['list'], env).connection, {
      tls: undefined,
      apiKey: undefined,
    });
    const { connection } = splitConnectionArgs(['list', '--tls'], {
      ...env,
      BANANA_API_KEY: 'from-env',
    });
    assert.equal(connection.apiKey, 'from-env');
    assert.equal(connection.tls?.caFile, undefined);
    assert.ok(connection.tls);
  });

  it('refuses a client certificate without its key and an option without its value', () => {
    assert.throws(() => splitConnectionArgs(['list', '--cert', 'c.pem'], env), UsageError);
    assert.throws(() => splitConnectionArgs(['list', '--key'], env), UsageError);
  });
});

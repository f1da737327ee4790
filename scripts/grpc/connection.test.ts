import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../lib/cli.js';
import { status } from '@grpc/grpc-js';
import { connectionHint, splitConnectionArgs } from './connection.js';

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

describe('connectionHint', () => {
  const plain = { tls: undefined };
  const tls = { tls: { caFile: '/ca.crt' } };
  const unavailable = (details: string) => ({ code: status.UNAVAILABLE, details });
  // The details grpc-js gave for each case against real services (docs/grpc.md).
  const cases = [
    [
      'a plaintext call to a TLS port',
      unavailable(
        'No connection established. Last error: Failed to connect (2026-12-07T19:16:05.790Z).',
      ),
      plain,
      'the server at h:1 did not answer plaintext gRPC: if it speaks TLS (npm start -- --tls, k8s/overlays/prod-tls), add --ca FILE (its CA) or --tls',
    ],
    [
      'no client certificate for mutual TLS',
      unavailable(
        'Last error: 80FC:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:rec_layer_s3.c:1601:SSL alert number 116',
      ),
      tls,
      'the server requires a client certificate (mutual TLS): add --cert FILE --cert-key FILE',
    ],
    [
      'TLS to a plaintext port',
      unavailable(
        'Last error: Error: 803C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
      ),
      tls,
      'the server at h:1 speaks plaintext gRPC: leave out --tls, --ca, --cert and --server-name',
    ],
    [
      'a certificate of another CA',
      unavailable('Last error: Error: self-signed certificate in certificate chain.'),
      tls,
      "the server's certificate is not trusted: give the CA that signed it with --ca FILE",
    ],
    [
      'a certificate for other names',
      unavailable(
        "Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames",
      ),
      tls,
      "the server's certificate does not carry the name asked for (--server-name, else the host of --addr): use a name it carries",
    ],
    [
      'nothing listening',
      unavailable('Last error: Error: connect ECONNREFUSED 127.0.0.1:50059.'),
      plain,
      'nothing listens at h:1: start the service (npm start, npm run start:detector) or check --addr',
    ],
    [
      'no API key',
      { code: status.UNAUTHENTICATED, details: 'an API key is required' },
      tls,
      'the server requires an API key: set BANANA_API_KEY=<key> (or --key KEY)',
    ],
  ] as const;
  for (const [what, error, connection, hint] of cases) {
    it(`says what to change for ${what}`, () => {
      assert.equal(connectionHint(error, connection, 'h:1'), hint);
    });
  }
  it('says nothing for errors of the call itself', () => {
    assert.equal(
      connectionHint({ code: status.INVALID_ARGUMENT, details: 'not an image' }, plain, 'h:1'),
      undefined,
    );
    assert.equal(
      connectionHint(unavailable('Failed to connect'), tls, 'h:1'),
      undefined,
      'TLS was on: not a plaintext call',
    );
  });
});

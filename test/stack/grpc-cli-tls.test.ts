// `npm run grpc` as a user runs it (through npm), against the model services of a stack made
// as `npm start -- --tls` makes it: mutual TLS and API keys. An IP address in --addr works
// without Node's DEP0123 warning, and a call that cannot connect says what to change.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { createLocalKeys } from '../../scripts/local-stack/api-keys.js';
import { createLocalTls } from '../../scripts/local-stack/tls.js';
import { repoPath } from '../support/paths.js';
import { useLocalStack } from './stack-fixture.js';

const tls = createLocalTls();
const keys = createLocalKeys({ directKey: true });
const stack = useLocalStack({
  serviceEnv: { ...tls.serviceEnv, ...keys.serviceEnv },
  functionConfig: { ...tls.functionConfig, ...keys.functionConfig },
});
after(() => {
  tls.remove();
  keys.remove();
});

function npmGrpc(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'npm',
      ['run', '-s', 'grpc', '--', ...args],
      { cwd: repoPath('.'), env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const addr = () => stack().detectors[0]?.grpcAddress ?? '';
const errorOf = (stderr: string) =>
  (JSON.parse(stderr) as { error: { code: string; hint?: string } }).error;

describe('npm run grpc against TLS services', () => {
  it('calls an IP address over mutual TLS with a key, without a deprecation warning', async () => {
    const { caFile, certFile, keyFile } = tls.direct;
    const result = await npmGrpc(
      ['health', '--addr', addr(), '--ca', caFile, '--cert', certFile, '--cert-key', keyFile],
      { BANANA_API_KEY: keys.directKey ?? '' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(addr(), /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(JSON.parse(result.stdout), { service: '', status: 'SERVING' });
    assert.equal(result.stderr, '', 'nothing on stderr (no DEP0123)');
  });

  it('says the port speaks TLS when called in plaintext', async () => {
    const result = await npmGrpc(['health', '--addr', addr()]);
    assert.equal(result.code, 1);
    const error = errorOf(result.stderr);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.match(error.hint ?? '', /if it speaks TLS .* add --ca FILE \(its CA\) or --tls$/);
  });

  it('says a client certificate is required when none is given', async () => {
    const result = await npmGrpc(['health', '--addr', addr(), '--ca', tls.direct.caFile]);
    assert.equal(result.code, 1);
    assert.equal(
      errorOf(result.stderr).hint,
      'the server requires a client certificate (mutual TLS): add --cert FILE --cert-key FILE',
    );
  });
});

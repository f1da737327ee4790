import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.js';
import { readBoolean } from './env.js';
import { parseModelServiceConfig } from './model-service-config.js';
import {
  parseApiKeysFile,
  parseClientApiKey,
  parseClientTls,
  parseServerTls,
} from './security-config.js';

const defaults = {
  grpcPort: 50051,
  metricsPort: 9091,
};

function configError(variable: string, pattern: RegExp) {
  return (error: unknown) =>
    error instanceof ConfigError && error.variable === variable && pattern.test(error.message);
}

describe('parseModelServiceConfig', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(parseModelServiceConfig({}, defaults), {
      host: '0.0.0.0',
      grpcPort: 50051,
      grpcSocket: undefined,
      metricsPort: 9091,
      modelDir: 'models',
      modelPollMs: 5000,
      intraOpThreads: availableParallelism(),
      inferenceWorkers: 1,
      maxQueue: 16,
      maxBatch: 64,
      maxBatchDelayMs: 0,
      maxMessageBytes: 26_214_400,
      maxImagePixels: 50_000_000,
      maxConnectionAgeMs: 300_000,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
      maxInflightPixels: 64_000_000,
      tls: undefined,
      apiKeysFile: undefined,
      keyLimits: { maxInFlight: 0, ratePerSecond: 0, burst: 1, exempt: [] },
    });
  });

  it('reads the per-key limits; the burst defaults to twice the rate', () => {
    const limits = (env: Record<string, string>) =>
      parseModelServiceConfig(env, defaults).keyLimits;
    assert.deepEqual(
      limits({ KEY_MAX_IN_FLIGHT: '4', KEY_RATE_PER_S: '5', KEY_LIMITS_EXEMPT: 'function, ops' }),
      { maxInFlight: 4, ratePerSecond: 5, burst: 10, exempt: ['function', 'ops'] },
    );
    assert.deepEqual(limits({ KEY_RATE_PER_S: '5', KEY_BURST: '1' }).burst, 1);
    assert.throws(() => limits({ KEY_BURST: '0' }), configError('KEY_BURST', /./));
    assert.throws(() => limits({ KEY_MAX_IN_FLIGHT: '-1' }), configError('KEY_MAX_IN_FLIGHT', /./));
  });

  it('reads every variable', () => {
    const config = parseModelServiceConfig(
      {
        GRPC_PORT: '0',
        METRICS_PORT: ' 9100 ',
        INTRA_OP_THREADS: '2',
        MAX_QUEUE: '0',
        MAX_BATCH: '8',
        MAX_BATCH_DELAY_MS: '5',
        LOG_LEVEL: 'DEBUG',
        MODEL_DIR: '/models',
        MODEL_POLL_MS: '0',
        MAX_INFLIGHT_PIXELS: '1000',
        GRPC_SOCKET: '/run/banana/detector.sock',
      },
      defaults,
    );
    assert.equal(config.grpcPort, 0);
    assert.equal(config.grpcSocket, '/run/banana/detector.sock');
    assert.equal(config.maxInflightPixels, 1000);
    assert.equal(config.metricsPort, 9100);
    assert.equal(config.intraOpThreads, 2);
    assert.equal(config.maxQueue, 0);
    assert.equal(config.maxBatch, 8);
    assert.equal(config.maxBatchDelayMs, 5);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.modelDir, '/models');
    assert.equal(config.modelPollMs, 0);
  });

  it('treats empty values as unset', () => {
    assert.equal(parseModelServiceConfig({ GRPC_PORT: '' }, defaults).grpcPort, 50051);
  });

  it('names the bad variable and what it must be', () => {
    assert.throws(
      () => parseModelServiceConfig({ GRPC_PORT: 'abc' }, defaults),
      configError('GRPC_PORT', /GRPC_PORT must be an integer, got "abc"/),
    );
    assert.throws(
      () => parseModelServiceConfig({ METRICS_PORT: '70000' }, defaults),
      configError('METRICS_PORT', /between 0 and 65535/),
    );
    assert.throws(
      () => parseModelServiceConfig({ INFERENCE_WORKERS: '0' }, defaults),
      configError('INFERENCE_WORKERS', /between 1 and/),
    );
    assert.throws(
      () => parseModelServiceConfig({ MAX_BATCH: '0' }, defaults),
      configError('MAX_BATCH', /MAX_BATCH must be between 1 and 4096, got 0/),
    );
    assert.throws(
      () => parseModelServiceConfig({ MAX_BATCH_DELAY_MS: '-1' }, defaults),
      configError('MAX_BATCH_DELAY_MS', /between 0 and 1000/),
    );
    assert.throws(
      () => parseModelServiceConfig({ MAX_QUEUE: '1.5' }, defaults),
      configError('MAX_QUEUE', /must be an integer/),
    );
    assert.throws(
      () => parseModelServiceConfig({ LOG_LEVEL: 'loud' }, defaults),
      configError('LOG_LEVEL', /must be one of fatal, error/),
    );
    assert.throws(
      () => parseModelServiceConfig({ GRPC_SOCKET: 'run/detector.sock' }, defaults),
      configError('GRPC_SOCKET', /must be an absolute path, got run\/detector.sock/),
    );
    assert.throws(
      () => parseModelServiceConfig({ GRPC_SOCKET: `/${'s'.repeat(107)}` }, defaults),
      configError('GRPC_SOCKET', /is 108 bytes long; a Unix socket path takes at most 107/),
    );
  });
});

describe('readBoolean', () => {
  it('accepts common spellings and refuses others', () => {
    assert.equal(readBoolean({ X: 'yes' }, 'X', false), true);
    assert.equal(readBoolean({ X: 'False' }, 'X', true), false);
    assert.equal(readBoolean({}, 'X', true), true);
    assert.throws(() => readBoolean({ X: 'maybe' }, 'X', true), configError('X', /true or false/));
  });
});

describe('TLS and API key variables', () => {
  const file = fileURLToPath(import.meta.url);

  it('TLS_CERT_FILE and TLS_KEY_FILE turn TLS on; TLS_CLIENT_CA_FILE adds client certificates', () => {
    assert.equal(parseModelServiceConfig({}, defaults).tls, undefined);
    const tls = { TLS_CERT_FILE: file, TLS_KEY_FILE: file };
    assert.deepEqual(parseModelServiceConfig(tls, defaults).tls, {
      certFile: file,
      keyFile: file,
      clientCaFile: undefined,
    });
    assert.equal(
      parseModelServiceConfig({ ...tls, TLS_CLIENT_CA_FILE: file }, defaults).tls?.clientCaFile,
      file,
    );
    assert.throws(() => parseServerTls({ TLS_CERT_FILE: file }), /TLS_KEY_FILE/);
    assert.throws(() => parseServerTls({ TLS_CLIENT_CA_FILE: file }), /TLS_CLIENT_CA_FILE/);
    assert.throws(() => parseApiKeysFile({ API_KEYS_FILE: '/nonexistent/keys' }), /API_KEYS_FILE/);
  });

  it('checks the keys in API_KEYS_FILE at start: a bad key is one line naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const keys = join(dir, 'keys.txt');
      writeFileSync(keys, '# keys\nshort:14-characters\n');
      assert.throws(
        () => parseApiKeysFile({ API_KEYS_FILE: keys }),
        configError(
          'API_KEYS_FILE',
          new RegExp(`^API_KEYS_FILE ${keys}: line 2: a key has at least 16 characters$`),
        ),
      );
      writeFileSync(keys, 'team-a:sixteen-characters\n');
      assert.equal(parseApiKeysFile({ API_KEYS_FILE: keys }), keys);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the clients use TLS when GRPC_TLS or a GRPC_TLS_* file is set', () => {
    assert.equal(parseClientTls({}), undefined);
    assert.deepEqual(parseClientTls({ GRPC_TLS: 'true' }), {
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      serverName: undefined,
    });
    assert.equal(parseClientTls({ GRPC_TLS_CA_FILE: file })?.caFile, file);
    assert.equal(parseClientTls({ GRPC_TLS_SERVER_NAME: 'detector' })?.serverName, 'detector');
    assert.throws(() => parseClientTls({ GRPC_TLS: 'false', GRPC_TLS_CA_FILE: file }), /GRPC_TLS/);
    assert.throws(() => parseClientTls({ GRPC_TLS_KEY_FILE: file }), /GRPC_TLS_CERT_FILE/);
  });
});

describe('GRPC_API_KEY and GRPC_API_KEY_FILE', () => {
  it('takes the key from the variable or from the first line of the file, not both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    try {
      const file = join(dir, 'key');
      writeFileSync(file, 'from-file-0123456789\n');
      assert.equal(parseClientApiKey({}), undefined);
      assert.equal(parseClientApiKey({ GRPC_API_KEY: 'k' }), 'k');
      assert.equal(parseClientApiKey({ GRPC_API_KEY_FILE: file }), 'from-file-0123456789');
      assert.throws(
        () => parseClientApiKey({ GRPC_API_KEY: 'k', GRPC_API_KEY_FILE: file }),
        /not both/,
      );
      writeFileSync(file, '\n');
      assert.throws(() => parseClientApiKey({ GRPC_API_KEY_FILE: file }), /holds no key/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

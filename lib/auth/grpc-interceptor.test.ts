// The API key interceptor on a real grpc-js server: a call with a valid key reaches its
// handler without the key in the metadata it sees (and could log or forward); a call without
// one ends UNAUTHENTICATED before its handler starts; the health service stays open.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { eventually } from '../../test/support/eventually.js';
import { loadApiKeyStore, type ApiKeyStore } from './api-keys.js';
import { apiKeyInterceptor } from './grpc-interceptor.js';
import { createKeyLimits } from './key-limits.js';

const KEY = 'interceptor-test-key-0123';
const OTHER = 'interceptor-other-key-0123';
const raw = (value: Buffer) => value;
const method = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: raw,
  responseDeserialize: raw,
});
const SERVICE = {
  echo: method('/test.Echo/Echo'),
  check: method('/grpc.health.v1.Health/Check'),
};

describe('apiKeyInterceptor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interceptor-'));
  let keys: ApiKeyStore;
  let server: Server;
  let client: InstanceType<ReturnType<typeof makeGenericClientConstructor>>;
  const seen: Record<string, unknown>[] = [];
  const held: (() => void)[] = [];

  before(async () => {
    writeFileSync(join(dir, 'keys'), `caller:${KEY}\nother:${OTHER}\n`);
    keys = loadApiKeyStore(join(dir, 'keys'));
    const limits = createKeyLimits({ maxInFlight: 1, ratePerSecond: 0, burst: 1 });
    server = new Server({ interceptors: [apiKeyInterceptor(keys, limits)] });
    const answer = (
      call: ServerUnaryCall<Buffer, Buffer>,
      callback: sendUnaryData<Buffer>,
    ): void => {
      seen.push(call.metadata.getMap());
      // "hold": answered when the test says so (a call in flight).
      if (call.request.toString() === 'hold')
        held.push(() => {
          callback(null, Buffer.from('ok'));
        });
      else callback(null, Buffer.from('ok'));
    };
    server.addService(SERVICE, { echo: answer, check: answer });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
        if (error) reject(error);
        else resolve(bound);
      });
    });
    const Client = makeGenericClientConstructor(SERVICE, 'Echo');
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Unary = (
    request: Buffer,
    metadata: Metadata,
    options: { deadline: Date },
    callback: (error: ServiceError | null, value?: Buffer) => void,
  ) => void;
  const withKey = (key: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${key}`);
    return metadata;
  };
  const call = (name: 'echo' | 'check', metadata: Metadata, body = 'hi', deadlineMs = 5000) =>
    new Promise<Buffer>((resolve, reject) => {
      const method = (client as unknown as Record<string, Unary>)[name];
      const deadline = new Date(Date.now() + deadlineMs);
      method?.call(client, Buffer.from(body), metadata, { deadline }, (error, value) => {
        if (error) reject(error);
        else resolve(value ?? Buffer.alloc(0));
      });
    });

  it('lets a call with a valid key through, without the key in the metadata the handler sees', async () => {
    seen.length = 0;
    const metadata = withKey(KEY);
    metadata.set('x-request-note', 'kept');
    assert.equal((await call('echo', metadata)).toString(), 'ok');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.authorization, undefined, 'the key is removed');
    assert.equal(seen[0]?.['x-request-note'], 'kept', 'the rest of the metadata stays');
  });

  it('ends a call without a valid key UNAUTHENTICATED before its handler runs', async () => {
    seen.length = 0;
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer not-the-key-of-the-file');
    for (const metadata of [new Metadata(), wrong]) {
      await assert.rejects(call('echo', metadata), (error: ServiceError) => {
        assert.equal(error.code, status.UNAUTHENTICATED);
        return true;
      });
    }
    assert.equal(seen.length, 0);
  });

  it('leaves the health service open', async () => {
    assert.equal((await call('check', new Metadata())).toString(), 'ok');
  });

  it("refuses a key's call above its in-flight limit, RESOURCE_EXHAUSTED naming it; other keys go on", async () => {
    const first = call('echo', withKey(KEY), 'hold');
    await eventually(
      'the first call in flight',
      () => Promise.resolve(held.length),
      (n) => n === 1,
      5000,
      10,
    );
    await assert.rejects(call('echo', withKey(KEY)), (error: ServiceError) => {
      assert.equal(error.code, status.RESOURCE_EXHAUSTED);
      assert.match(
        error.details,
        /"caller" already has 1 requests in flight, its limit \(KEY_MAX_IN_FLIGHT\)/,
      );
      return true;
    });
    assert.equal((await call('echo', withKey(OTHER))).toString(), 'ok', 'another key is admitted');
    for (const answer of held.splice(0)) answer();
    assert.equal((await first).toString(), 'ok');
    // Its status sent, the call gave its slot back.
    assert.equal((await call('echo', withKey(KEY))).toString(), 'ok');
  });

  it('gives the slot back when a call in flight is cancelled (its deadline passed)', async () => {
    await assert.rejects(call('echo', withKey(KEY), 'hold', 200), (error: ServiceError) => {
      assert.equal(error.code, status.DEADLINE_EXCEEDED);
      return true;
    });
    await eventually(
      'the slot given back',
      async () => (await call('echo', withKey(KEY))).toString(),
      (answer) => answer === 'ok',
      5000,
      10,
    );
    for (const late of held.splice(0)) late();
  });
});

// The function with API keys (API_KEYS_FILE) in front of real model services that require
// mutual TLS and their own key: callers without a valid key get 401 in the JSON error shape
// before anything else happens; with one, the photo goes to the services over mutual TLS.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RunningService } from '../../lib/model-service/index.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { certificateFolder } from '../../test/support/certificates.js';
import { localServiceConfig } from '../../test/support/local-service-config.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { startClassifierService } from '../../services/classifier/src/server.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import { startDetectorService } from '../../services/detector/src/server.js';
import { startFunctionServer, type FunctionServer } from './server.js';

const CALLER_KEY = 'caller-key-0123456789abcdef';
const SERVICE_KEY = 'function-key-0123456789abcdef';

describe('function with API keys, model services with mutual TLS and keys', () => {
  const certs = certificateFolder();
  const services: RunningService[] = [];
  let fn: FunctionServer;
  let photo: Buffer;

  const post = (headers: Record<string, string>) =>
    fetch(fn.url, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...headers },
      body: photo,
    });

  before(async () => {
    const ca = certs.createCa('ca');
    const serviceKeys = certs.path('service-keys');
    writeFileSync(serviceKeys, `function:${SERVICE_KEY}\n`);
    const callerKeys = certs.path('caller-keys');
    writeFileSync(callerKeys, `packing-line-3:${CALLER_KEY}\n`);
    const security = (name: string) => ({
      tls: { ...certs.issue(ca, { name, usage: 'server' }), clientCaFile: ca.certFile },
      apiKeysFile: serviceKeys,
    });
    services.push(
      await startDetectorService(localServiceConfig(parseDetectorConfig, security('detector'))),
      await startClassifierService(
        localServiceConfig(parseClassifierConfig, security('classifier')),
      ),
    );
    const [detector, classifier] = services;
    fn = await startFunctionServer({
      host: '127.0.0.1',
      port: 0,
      serveWeb: false,
      logLevel: 'silent',
      detectorAddress: `127.0.0.1:${detector?.grpcPort ?? 0}`,
      classifierAddress: `127.0.0.1:${classifier?.grpcPort ?? 0}`,
      apiKeysFile: callerKeys,
      grpcTls: { caFile: ca.certFile, ...certs.issue(ca, { name: 'function', usage: 'client' }) },
      grpcApiKey: SERVICE_KEY,
    });
    photo = await syntheticBananaPhoto({ width: 640, height: 480, bananas: 2 });
  });

  after(async () => {
    await fn.close();
    await Promise.all(services.map((service) => service.shutdown()));
    certs.remove();
  });

  it('answers 401 unauthenticated without a key, with a wrong key and with another scheme', async () => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${CALLER_KEY}0` },
      { authorization: `Bearer ${SERVICE_KEY}` },
      { authorization: `Basic ${CALLER_KEY}` },
    ];
    for (const headers of refused) {
      const answer = await post(headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'unauthenticated');
      assert.match(body.error.message, /API key/);
    }
  });

  it('grades the photo for a listed key, over mutual TLS with its own key to the services', async () => {
    const answer = await post({ authorization: `Bearer ${CALLER_KEY}` });
    assert.equal(answer.status, 200, await answer.clone().text());
    const body = (await answer.json()) as { detections: unknown[] };
    assert.ok(Array.isArray(body.detections));
  });

  it('keeps health, readiness and metrics open, and counts requests by key name', async () => {
    assert.equal((await fetch(`${fn.url}/_/health`)).status, 200);
    const ready = await fetch(`${fn.url}/_/ready`);
    assert.equal(ready.status, 200, await ready.text());
    const metrics = await (await fetch(`${fn.url}/metrics`)).text();
    assert.match(
      metrics,
      /banana_api_key_requests_total\{key_name="packing-line-3",outcome="ok"\} 1/,
    );
    assert.match(metrics, /banana_api_key_requests_total\{key_name="",outcome="invalid"\} 2/);
    assert.match(metrics, /banana_api_key_requests_total\{key_name="",outcome="missing"\} 2/);
    assert.ok(!metrics.includes(CALLER_KEY));
  });
});

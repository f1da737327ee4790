// TLS, mutual TLS and API keys on a real detector service, with certificates made by openssl
// at test time: what is refused (and that the model never ran for it), what is served, and
// that rotated certificates and a changed key file take effect while calls are in flight.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  createDetectorClient,
  status,
  type ClientTlsConfig,
  type DetectorClient,
} from '../../../lib/client/index.js';
import type { RunningService } from '../../../lib/model-service/index.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import {
  certificateFolder,
  type CertificateAuthority,
} from '../../../test/support/certificates.js';
import { eventually } from '../../../test/support/eventually.js';
import { rejectsWithStatus } from '../../../test/support/grpc-assert.js';
import { localServiceConfig } from '../../../test/support/local-service-config.js';
import { parseDetectorConfig } from './config.js';
import { startDetectorService } from './server.js';

const KEY_A = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const KEY_B = 'b'.repeat(8) + 'fedcba9876543210fedcba9876543210';
const DEADLINE = { deadlineMs: 5000 };

async function metricsText(service: RunningService): Promise<string> {
  return (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
}

/** How many images the service decoded and model calls it made (stage histogram counts). */
async function inferenceCount(service: RunningService): Promise<string> {
  const text = await metricsText(service);
  return ['decode', 'inference']
    .map((stage) => {
      const match = new RegExp(
        `^banana_inference_stage_duration_seconds_count\\{[^}]*stage="${stage}"[^}]*\\} (\\d+)$`,
        'm',
      ).exec(text);
      assert.ok(match, `the ${stage} stage is exported`);
      return `${stage} ${match[1]}`;
    })
    .join(', ');
}

describe('detector with TLS and API keys', () => {
  const certs = certificateFolder();
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let service: RunningService;
  let photo: Buffer;
  const clients: DetectorClient[] = [];
  const keysFile = certs.path('api-keys');
  const serverCert = certs.path('server.crt');
  const serverKey = certs.path('server.key');

  const client = (tls: ClientTlsConfig | undefined, apiKey?: string): DetectorClient => {
    const made = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}`, tls, apiKey });
    clients.push(made);
    return made;
  };

  before(async () => {
    ca = certs.createCa('ca');
    otherCa = certs.createCa('other-ca');
    const issued = certs.issue(ca, { name: 'detector-1', usage: 'server' });
    copyFileSync(issued.certFile, serverCert);
    copyFileSync(issued.keyFile, serverKey);
    writeFileSync(keysFile, `# test keys\ngrader-1:${KEY_A}\n`);
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, {
        tls: { certFile: serverCert, keyFile: serverKey },
        apiKeysFile: keysFile,
      }),
    );
    photo = await syntheticBananaPhoto({ width: 640, height: 480, bananas: 2 });
  });

  after(async () => {
    for (const made of clients) made.close();
    await service.shutdown();
    certs.remove();
  });

  it('refuses plaintext on the TLS port', async () => {
    await rejectsWithStatus(
      client(undefined, KEY_A).detect({ image: photo }, DEADLINE),
      status.UNAVAILABLE,
    );
  });

  it('the client refuses a server certificate from another CA', async () => {
    await rejectsWithStatus(
      client({ caFile: otherCa.certFile }, KEY_A).detect({ image: photo }, DEADLINE),
      status.UNAVAILABLE,
    );
  });

  it('no key, a wrong key and a key of the wrong length get UNAUTHENTICATED; the model never ran', async () => {
    const before = await inferenceCount(service);
    const tls = { caFile: ca.certFile };
    await rejectsWithStatus(
      client(tls).detect({ image: photo }, DEADLINE),
      status.UNAUTHENTICATED,
      /API key is required/,
    );
    const wrong = KEY_A.slice(0, -1) + (KEY_A.endsWith('f') ? 'e' : 'f');
    for (const key of [wrong, 'short', KEY_A + 'x', KEY_B]) {
      await rejectsWithStatus(
        client(tls, key).detect({ image: photo }, DEADLINE),
        status.UNAUTHENTICATED,
        /not valid/,
      );
    }
    assert.equal(
      await inferenceCount(service),
      before,
      'a refused call was decoded or ran the model',
    );
    const text = await metricsText(service);
    assert.match(text, /banana_api_key_requests_total\{key_name="",outcome="missing"\} 1/);
    assert.match(text, /banana_api_key_requests_total\{key_name="",outcome="invalid"\} 4/);
  });

  it('serves a listed key over TLS, counts it by name (never the key), and keeps health open', async () => {
    const tls = { caFile: ca.certFile };
    const before = await inferenceCount(service);
    const answer = await client(tls, KEY_A).detect({ image: photo }, DEADLINE);
    assert.ok(answer.imageSize);
    assert.notEqual(await inferenceCount(service), before);
    const text = await metricsText(service);
    assert.match(text, /banana_api_key_requests_total\{key_name="grader-1",outcome="ok"\} 1/);
    assert.ok(!text.includes(KEY_A), 'the key appears in the metrics');
    assert.equal(await client(tls).checkHealth(DEADLINE), 'SERVING');
  });

  it('the REST routes /v2/models/... need the key too (401 before the body is read); /v2/health stays open', async () => {
    const base = `http://127.0.0.1:${service.metricsPort}`;
    const before = await inferenceCount(service);
    const infer = (headers: Record<string, string>) =>
      fetch(`${base}/v2/models/banana-detector/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"inputs": []}',
      });
    for (const answer of [
      await fetch(`${base}/v2/models/banana-detector`),
      await fetch(`${base}/v2/models/banana-detector`, {
        headers: { authorization: 'Bearer nope' },
      }),
      await infer({}),
    ]) {
      assert.equal(answer.status, 401);
      // The REST API's one error shape, as its 400s and 404s: {"error": "<message>"}.
      const body = (await answer.json()) as { error: unknown };
      assert.match(String(body.error), /^(an API key is required|the API key is not valid)/);
    }
    assert.equal(await inferenceCount(service), before);
    const metadata = await fetch(`${base}/v2/models/banana-detector`, {
      headers: { authorization: `Bearer ${KEY_A}` },
    });
    assert.equal(metadata.status, 200, await metadata.clone().text());
    assert.equal((await fetch(`${base}/v2/health/ready`)).status, 200);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  it('a changed key file takes effect while calls are in flight', async () => {
    const tls = { caFile: ca.certFile };
    const oldKey = client(tls, KEY_A);
    const newKey = client(tls, KEY_B);
    const inFlight = Array.from({ length: 6 }, () =>
      oldKey.detect({ image: photo }, { deadlineMs: 30_000 }),
    );
    writeFileSync(keysFile, `grader-2:${KEY_B}\n`);
    const answers = await Promise.all(inFlight);
    assert.equal(answers.length, 6);
    await eventually(
      'the new key is accepted',
      () => newKey.detect({ image: photo }, DEADLINE),
      (answer) => answer.imageSize !== undefined,
      10_000,
    );
    await rejectsWithStatus(oldKey.detect({ image: photo }, DEADLINE), status.UNAUTHENTICATED);
  });

  it('a rotated certificate is served to new connections while calls in flight finish', async () => {
    const tls = { caFile: ca.certFile };
    const established = client(tls, KEY_B);
    await established.detect({ image: photo }, DEADLINE);
    const inFlight = Array.from({ length: 6 }, () =>
      established.detect({ image: photo }, { deadlineMs: 30_000 }),
    );
    // The renewal comes from another CA, so which certificate a connection got is observable.
    const renewed = certs.issue(otherCa, { name: 'detector-2', usage: 'server' });
    copyFileSync(renewed.keyFile, serverKey);
    copyFileSync(renewed.certFile, serverCert);
    assert.equal((await Promise.all(inFlight)).length, 6);
    await eventually(
      'a new connection gets the renewed certificate',
      () => client({ caFile: otherCa.certFile }, KEY_B).detect({ image: photo }, DEADLINE),
      (answer) => answer.imageSize !== undefined,
      10_000,
    );
    assert.equal(await servedIssuer(service.grpcPort), 'other-ca');
    await rejectsWithStatus(
      client(tls, KEY_B).detect({ image: photo }, DEADLINE),
      status.UNAVAILABLE,
    );
    // The connection opened before the rotation still serves.
    assert.ok((await established.detect({ image: photo }, DEADLINE)).imageSize);
  });
});

/** The issuer CN of the certificate a new TLS connection to the port gets. */
function servedIssuer(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
      () => {
        const issuer = socket.getPeerCertificate().issuer.CN;
        socket.destroy();
        resolve(Array.isArray(issuer) ? String(issuer[0]) : String(issuer));
      },
    );
    socket.once('error', reject);
  });
}

describe('detector with mutual TLS', () => {
  const certs = certificateFolder();
  let ca: CertificateAuthority;
  let service: RunningService;
  let photo: Buffer;
  const clients: DetectorClient[] = [];

  const detect = (tls: ClientTlsConfig) => {
    const made = createDetectorClient({ target: `127.0.0.1:${service.grpcPort}`, tls });
    clients.push(made);
    return made.detect({ image: photo }, DEADLINE);
  };

  before(async () => {
    ca = certs.createCa('ca');
    const server = certs.issue(ca, { name: 'detector', usage: 'server' });
    service = await startDetectorService(
      localServiceConfig(parseDetectorConfig, {
        tls: { ...server, clientCaFile: ca.certFile },
      }),
    );
    photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
  });

  after(async () => {
    for (const made of clients) made.close();
    await service.shutdown();
    certs.remove();
  });

  it('refuses a client without a certificate', async () => {
    await rejectsWithStatus(detect({ caFile: ca.certFile }), status.UNAVAILABLE);
  });

  it('refuses a client with an expired certificate', async () => {
    const expired = certs.issue(ca, { name: 'expired-client', usage: 'client', days: -1 });
    await rejectsWithStatus(detect({ caFile: ca.certFile, ...expired }), status.UNAVAILABLE);
  });

  it('refuses a client certificate from another CA', async () => {
    const other = certs.createCa('other-ca');
    const stranger = certs.issue(other, { name: 'stranger', usage: 'client' });
    await rejectsWithStatus(detect({ caFile: ca.certFile, ...stranger }), status.UNAVAILABLE);
  });

  it('serves a client whose certificate the CA signed', async () => {
    const good = certs.issue(ca, { name: 'function', usage: 'client' });
    assert.ok((await detect({ caFile: ca.certFile, ...good })).imageSize);
    assert.ok(readFileSync(good.certFile).length > 0);
  });
});

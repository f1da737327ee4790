// The prod-tls overlay: prod plus TLS and API keys on both model services (cert-manager
// Certificates mounted where TLS_CERT_FILE/TLS_KEY_FILE point, keys from a Secret), probes
// that do not need gRPC in plaintext, and a Gateway API path from outside to the detector only.
// Every object validates (kubernetes-models for built-ins, crd-types.ts shapes strictly for
// cert-manager and Gateway API); the services' own config parser accepts the rendered env.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { IContainer } from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { parseFunctionConfig } from '../../function/src/config.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import type { ICertificate, IGRPCRoute, IGateway, IBackendTLSPolicy } from './crd-types.js';
import { CRD_GROUPS } from './crd-types.js';
import { as, deployments, find, render, type K8sObject } from './helpers.js';
import { strictTypeErrors } from './strict-types.js';
import { repoPath } from '../support/paths.js';

const DIR = 'k8s/overlays/prod-tls';
const SERVICES = { detector: parseDetectorConfig, classifier: parseClassifierConfig } as const;

const objects = () => render(DIR);
interface CrdKinds {
  Certificate: ICertificate;
  Gateway: IGateway;
  GRPCRoute: IGRPCRoute;
  BackendTLSPolicy: IBackendTLSPolicy;
}
const typed = <K extends keyof CrdKinds>(kind: K, name: string): CrdKinds[K] =>
  find(objects(), kind, name) as unknown as CrdKinds[K];

function container(name: string): { c: IContainer; volumes: Map<string, unknown> } {
  const d = deployments(objects()).find((x) => x.dep.metadata.name === name);
  assert.ok(d, `Deployment/${name}`);
  const c = d.pod.containers[0];
  assert.ok(c);
  return { c, volumes: new Map((d.pod.volumes ?? []).map((v) => [v.name, v])) };
}

/** Where a container path comes from: the Secret and key mounted there. */
function secretBehind(name: string, path: string): { secret: string; key: string } {
  const { c, volumes } = container(name);
  const mount = c.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${name}: nothing mounted at ${path}`);
  assert.equal(mount.readOnly, true);
  const volume = volumes.get(mount.name) as
    { secret?: { secretName: string; items?: { key: string; path: string }[] } } | undefined;
  assert.ok(volume?.secret, `${name}: ${path} is not from a Secret`);
  const file = path.slice(mount.mountPath.length + 1);
  const item = volume.secret.items?.find((i) => i.path === file);
  return { secret: volume.secret.secretName, key: item?.key ?? file };
}

describe('prod-tls overlay', () => {
  it('renders prod plus Certificates, a Gateway, a GRPCRoute, a BackendTLSPolicy and a NetworkPolicy', () => {
    const prod = new Set(render('k8s/overlays/prod').map((o) => `${o.kind}/${o.metadata.name}`));
    const added = objects()
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .filter((id) => !prod.has(id))
      .sort();
    assert.deepEqual(added, [
      'BackendTLSPolicy/detector',
      'Certificate/classifier-tls',
      'Certificate/detector-public',
      'Certificate/detector-tls',
      'GRPCRoute/detector',
      'Gateway/banana-grpc',
      'NetworkPolicy/detector-from-gateway',
    ]);
  });

  it('every object validates: built-ins by their schema, cert-manager and Gateway API strictly', async () => {
    const rendered = objects().map((obj) => ({ where: `${obj.kind}/${obj.metadata.name}`, obj }));
    for (const { where, obj } of rendered) {
      if (CRD_GROUPS.has(obj.apiVersion)) continue;
      const mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<
        string,
        new (o: unknown) => { validate(): void }
      >;
      const Model = mod[obj.kind];
      assert.ok(Model, `kubernetes-models has no ${obj.apiVersion} ${obj.kind}`);
      assert.doesNotThrow(() => {
        new Model(obj).validate();
      }, where);
    }
    assert.deepEqual(strictTypeErrors(rendered), []);
    // The strict check is live: a misspelt Certificate field is reported.
    const broken = structuredClone(find(objects(), 'Certificate', 'detector-tls')) as K8sObject & {
      spec: Record<string, unknown>;
    };
    broken.spec.dnsName = ['x'];
    assert.equal(strictTypeErrors([{ where: 'broken', obj: broken }]).length, 1);
  });

  for (const [name, parse] of Object.entries(SERVICES)) {
    it(`${name}: TLS and keys from mounted Secrets, its certificate covering its Service names`, () => {
      const { c } = container(name);
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
      assert.deepEqual(secretBehind(name, env.TLS_CERT_FILE ?? ''), {
        secret: `${name}-tls`,
        key: 'tls.crt',
      });
      assert.deepEqual(secretBehind(name, env.TLS_KEY_FILE ?? ''), {
        secret: `${name}-tls`,
        key: 'tls.key',
      });
      assert.deepEqual(secretBehind(name, env.API_KEYS_FILE ?? ''), {
        secret: 'banana-api-keys',
        key: 'api-keys',
      });
      const cert = typed('Certificate', `${name}-tls`);
      assert.equal(cert.spec.secretName, `${name}-tls`);
      assert.ok(cert.spec.dnsNames?.includes(`${name}.banana.svc`));
      assert.ok(cert.spec.usages?.includes('server auth'));
      assert.equal(cert.spec.issuerRef.name, 'banana-ca');
      // The service's own parser accepts the env (with the mounted files standing in locally).
      const dir = mkdtempSync(join(tmpdir(), 'prod-tls-'));
      try {
        const local = (path: string, text = 'x') => {
          const file = join(dir, path.replaceAll('/', '_'));
          writeFileSync(file, text);
          return file;
        };
        const config = parse({
          ...env,
          TLS_CERT_FILE: local(env.TLS_CERT_FILE ?? ''),
          TLS_KEY_FILE: local(env.TLS_KEY_FILE ?? ''),
          API_KEYS_FILE: local(env.API_KEYS_FILE ?? '', `function:${'k'.repeat(32)}\n`),
        });
        assert.ok(config.tls && config.apiKeysFile);
      } finally {
        rmSync(dir, { recursive: true });
      }
    });

    it(`${name}: probes use the metrics port (kubelet's gRPC probes cannot speak TLS)`, () => {
      const { c } = container(name);
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        assert.ok(probe);
        assert.equal(probe.grpc, undefined);
        assert.equal(probe.httpGet?.port ?? probe.tcpSocket?.port, 'metrics');
      }
      assert.equal(c.readinessProbe?.httpGet?.path, '/healthz');
    });
  }

  it('the Gateway terminates TLS with the public certificate; the GRPCRoute exposes the detector only', () => {
    const gateway = typed('Gateway', 'banana-grpc');
    const [listener] = gateway.spec.listeners;
    assert.equal(listener?.protocol, 'HTTPS');
    assert.equal(listener.tls?.mode, 'Terminate');
    const publicCert = typed('Certificate', 'detector-public');
    assert.deepEqual(listener.tls.certificateRefs?.[0]?.name, publicCert.spec.secretName);
    assert.ok(publicCert.spec.dnsNames?.includes(listener.hostname ?? ''));
    const route = typed('GRPCRoute', 'detector');
    assert.equal(route.spec.parentRefs?.[0]?.name, 'banana-grpc');
    const services = (route.spec.rules ?? []).flatMap((r) =>
      (r.matches ?? []).map((m) => m.method?.service),
    );
    assert.deepEqual(services.sort(), ['banana.v1.Detector', 'grpc.health.v1.Health']);
    const backends = (route.spec.rules ?? []).flatMap((r) => r.backendRefs ?? []);
    const detector = as(find(objects(), 'Service', 'detector'), 'Service');
    const grpcPort = detector.spec?.ports?.find((p) => p.name === 'grpc')?.port;
    assert.deepEqual(
      backends.map((b) => [b.name, b.port]),
      [['detector', grpcPort]],
    );
    const backendTls = typed('BackendTLSPolicy', 'detector');
    // GA in Gateway API 1.4: the standard channel's CRDs serve v1 only.
    assert.equal(backendTls.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(backendTls.spec.targetRefs[0]?.name, 'detector');
    const detectorCert = typed('Certificate', 'detector-tls');
    assert.ok(detectorCert.spec.dnsNames?.includes(backendTls.spec.validation.hostname));
  });

  it('the NetworkPolicies admit the function and the gateway to gRPC, the gateway to the detector only', () => {
    const gatewayPolicy = as(
      find(objects(), 'NetworkPolicy', 'detector-from-gateway'),
      'NetworkPolicy',
    );
    assert.deepEqual(gatewayPolicy.spec?.podSelector.matchLabels, {
      'app.kubernetes.io/name': 'detector',
    });
    const [rule] = gatewayPolicy.spec.ingress ?? [];
    assert.ok(rule);
    assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 'grpc' }]);
    assert.ok(rule.from?.[0]?.namespaceSelector, 'admits by namespace');
    // prod's own policy is unchanged: still the function to gRPC and Prometheus to metrics.
    const prodPolicy = find(render('k8s/overlays/prod'), 'NetworkPolicy', 'model-services');
    const mine = find(objects(), 'NetworkPolicy', 'model-services');
    assert.deepEqual(mine.spec, prodPolicy.spec);
  });

  it("stack-tls.yml: the function trusts the services' CA and sends its key, both from OpenFaaS secrets", () => {
    const stack = parseYaml(readFileSync(repoPath('stack-tls.yml'), 'utf8')) as {
      functions: Record<string, { environment: Record<string, string>; secrets?: string[] }>;
    };
    const [fn] = Object.values(stack.functions);
    assert.ok(fn);
    const env = fn.environment;
    for (const name of ['GRPC_TLS_CA_FILE', 'GRPC_API_KEY_FILE']) {
      const secret = /^\/var\/openfaas\/secrets\/(.+)$/.exec(env[name] ?? '')?.[1];
      assert.ok(secret && fn.secrets?.includes(secret), `${name} is a declared secret`);
    }
    // It dials the names the services' certificates carry.
    for (const [variable, service] of [
      ['DETECTOR_ADDR', 'detector'],
      ['CLASSIFIER_ADDR', 'classifier'],
    ] as const) {
      const host = /^dns:\/\/\/([^:]+):\d+$/.exec(env[variable] ?? '')?.[1] ?? '';
      assert.ok(typed('Certificate', `${service}-tls`).spec.dnsNames?.includes(host), host);
    }
    // The function's own parser accepts it (the secrets standing in locally).
    const dir = mkdtempSync(join(tmpdir(), 'stack-tls-'));
    try {
      writeFileSync(join(dir, 'ca'), 'x');
      writeFileSync(join(dir, 'key'), `${'k'.repeat(32)}\n`);
      const config = parseFunctionConfig({
        ...env,
        GRPC_TLS_CA_FILE: join(dir, 'ca'),
        GRPC_API_KEY_FILE: join(dir, 'key'),
      });
      assert.equal(config.grpcTls?.caFile, join(dir, 'ca'));
      assert.equal(config.grpcApiKey, 'k'.repeat(32));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

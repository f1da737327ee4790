// The kserve overlay: the detector and the classifier as KServe InferenceServices run by our
// ServingRuntimes. Every object validates (kubernetes-models for built-ins, the KServe CRD
// shapes of crd-types.ts strictly), each runtime runs the plain Deployment's image with its
// env (the HTTP port moved to KServe's 8080), the protocol's health routes are its probes, and
// each InferenceService names a runtime serving its model card's format over protocol v2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { IContainer, IEnvVar } from 'kubernetes-models/v1';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import type { IInferenceService, IServingRuntime } from './crd-types.js';
import { as, find, render, ROOT, type K8sObject } from './helpers.js';
import { strictTypeErrors } from './strict-types.js';

const DIR = 'k8s/overlays/kserve';
const SERVICES = [
  { kind: 'detector', parse: parseDetectorConfig },
  { kind: 'classifier', parse: parseClassifierConfig },
] as const;

const objects = () => render(DIR);
const ofKind = <T>(kind: string) =>
  objects().filter((o) => o.kind === kind) as unknown as (T & K8sObject)[];

function card(kind: string): { name: string; version: string } {
  return JSON.parse(readFileSync(`${ROOT}/models/${kind}.json`, 'utf8')) as {
    name: string;
    version: string;
  };
}

function baseContainer(kind: string): IContainer {
  const deployment = as(find(render('k8s/base'), 'Deployment', kind), 'Deployment');
  const container = deployment.spec?.template.spec?.containers[0];
  assert.ok(container);
  return container;
}

function runtimeContainer(kind: string): IContainer {
  const runtime = ofKind<IServingRuntime>('ServingRuntime').find(
    (r) => r.metadata.name === `banana-${kind}`,
  );
  assert.ok(runtime, `ServingRuntime banana-${kind}`);
  const [container] = runtime.spec.containers;
  assert.ok(container);
  return container;
}

/** The env as the plain Deployment has it: HTTP port and container name mapped back. */
function asInBase(env: IEnvVar[], base: IContainer): IEnvVar[] {
  const metricsPort = base.env?.find((e) => e.name === 'METRICS_PORT')?.value;
  return env.map((e) => {
    if (e.name === 'METRICS_PORT') return { ...e, value: metricsPort };
    const ref = e.valueFrom?.resourceFieldRef;
    if (ref) return { ...e, valueFrom: { resourceFieldRef: { ...ref, containerName: base.name } } };
    return e;
  });
}

describe('kserve overlay', () => {
  it('renders the namespace, service accounts, two ServingRuntimes and two InferenceServices', () => {
    assert.deepEqual(
      objects()
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
      [
        'InferenceService/classifier',
        'InferenceService/detector',
        'Namespace/banana',
        'ServiceAccount/classifier',
        'ServiceAccount/detector',
        'ServingRuntime/banana-classifier',
        'ServingRuntime/banana-detector',
      ],
    );
  });

  it('every object validates: built-ins by their schema, KServe objects strictly by their CRD shape', async () => {
    for (const obj of objects()) {
      if (obj.apiVersion.startsWith('serving.kserve.io/')) continue;
      const mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<
        string,
        new (data: unknown) => { validate(): void }
      >;
      const Model = mod[obj.kind];
      assert.ok(Model);
      new Model(obj).validate();
    }
    const errors = strictTypeErrors(
      objects().map((obj) => ({ where: `${obj.kind}/${obj.metadata.name}`, obj })),
    );
    assert.deepEqual(errors, [], errors.map((e) => `${e.object}: ${e.message}`).join('\n'));
    const broken = structuredClone(objects().find((o) => o.kind === 'ServingRuntime'));
    assert.ok(broken);
    (broken as unknown as { spec: Record<string, unknown> }).spec.protocolVersion = ['v2'];
    assert.equal(strictTypeErrors([{ where: 'broken', obj: broken }]).length, 1);
  });

  for (const { kind, parse } of SERVICES) {
    it(`${kind}: the runtime runs the Deployment's image, env, resources and security`, () => {
      const base = baseContainer(kind);
      const container = runtimeContainer(kind);
      assert.equal(container.name, 'kserve-container');
      assert.equal(container.image, base.image);
      assert.deepEqual(asInBase(container.env ?? [], base), base.env);
      assert.deepEqual(container.resources, base.resources);
      assert.deepEqual(container.securityContext, base.securityContext);
      assert.deepEqual(container.volumeMounts, base.volumeMounts);
      // The env is one the service starts with; its HTTP port is the one KServe routes to.
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '1']));
      const config = parse(env);
      assert.deepEqual(container.ports, [
        { name: 'http1', containerPort: config.metricsPort, protocol: 'TCP' },
      ]);
      assert.deepEqual(container.readinessProbe?.httpGet, {
        path: '/v2/health/ready',
        port: config.metricsPort,
      });
      assert.deepEqual(container.livenessProbe?.httpGet, {
        path: '/v2/health/live',
        port: config.metricsPort,
      });
    });

    it(`${kind}: the InferenceService runs the card's model format on our runtime over v2`, () => {
      const { name, version } = card(kind);
      const service = ofKind<IInferenceService>('InferenceService').find(
        (s) => s.metadata.name === kind,
      );
      assert.ok(service);
      const { model } = service.spec.predictor;
      const major = version.split('.')[0];
      assert.deepEqual(model.modelFormat, { name, version: major });
      assert.equal(model.protocolVersion, 'v2');
      const runtime = ofKind<IServingRuntime>('ServingRuntime').find(
        (r) => r.metadata.name === model.runtime,
      );
      assert.ok(runtime, `runtime ${String(model.runtime)} exists`);
      assert.ok(runtime.spec.protocolVersions?.includes('v2'));
      assert.ok(
        runtime.spec.supportedModelFormats.some((f) => f.name === name && f.version === major),
      );
      const account = as(
        find(objects(), 'ServiceAccount', service.spec.predictor.serviceAccountName ?? ''),
        'ServiceAccount',
      );
      assert.equal(account.automountServiceAccountToken, false);
      assert.equal(service.spec.predictor.securityContext?.runAsNonRoot, true);
      assert.ok((service.spec.predictor.minReplicas ?? 0) >= 1, 'no scale to zero');
    });
  }
});

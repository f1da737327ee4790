// Every kustomization renders offline, and every rendered object validates against the
// Kubernetes OpenAPI schema of its kind (kubernetes-models) and, strictly, against its
// TypeScript type (no unknown fields).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CRD_GROUPS } from './crd-types.js';
import {
  ALL_RENDERED,
  OVERLAYS,
  kustomizations,
  readYaml,
  render,
  type K8sObject,
} from './helpers.js';
import { strictTypeErrors } from './strict-types.js';

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

type Validatable = { validate(): void };
type ModelCtor = new (data: unknown) => Validatable;

/** The kubernetes-models class for an object's apiVersion/kind (e.g. apps/v1 Deployment). */
async function modelFor(obj: K8sObject): Promise<ModelCtor> {
  const mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<string, unknown>;
  const ctor = mod[obj.kind];
  assert.equal(typeof ctor, 'function', `kubernetes-models has no ${obj.apiVersion} ${obj.kind}`);
  return ctor as ModelCtor;
}

describe('kustomize', () => {
  const { buildable, components } = kustomizations();

  it('finds the expected variants', () => {
    for (const d of [...OVERLAYS, 'k8s/base', 'k8s/monitoring'])
      assert.ok(buildable.includes(d), `${d} missing`);
    assert.ok(components.includes('k8s/components/service-monitor'));
  });

  for (const dir of buildable) {
    it(`renders ${dir}`, () => {
      const objs = render(dir);
      assert.ok(objs.length > 0, 'rendered nothing');
      const seen = new Set<string>();
      for (const o of objs) {
        assert.ok(
          o.apiVersion && o.kind && o.metadata.name,
          `malformed object ${JSON.stringify(o).slice(0, 200)}`,
        );
        const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        assert.ok(!seen.has(id), `duplicate ${id}`);
        seen.add(id);
        if (!CLUSTER_SCOPED.has(o.kind))
          assert.ok(o.metadata.namespace, `${o.kind}/${o.metadata.name} has no namespace`);
        assert.equal(
          o.metadata.labels?.['app.kubernetes.io/part-of'],
          'banana-ripeness',
          `${id} lacks part-of label`,
        );
      }
    });
  }

  it('every component is used by some overlay (so it is rendered and checked)', () => {
    const used = new Set<string>();
    for (const d of buildable) {
      const k = readYaml(path.join(d, 'kustomization.yaml')) as { components?: string[] };
      for (const c of k.components ?? []) used.add(path.normalize(path.join(d, c)));
    }
    for (const c of components) assert.ok(used.has(c), `${c} is not used by any overlay`);
  });
});

describe('schema', () => {
  const rendered = ALL_RENDERED.flatMap((dir) =>
    render(dir).map((obj) => ({ where: `${dir}: ${obj.kind}/${obj.metadata.name}`, obj })),
  );

  it('every built-in object validates against its OpenAPI schema (kubernetes-models)', async () => {
    let checked = 0;
    for (const { where, obj } of rendered) {
      if (CRD_GROUPS.has(obj.apiVersion)) continue;
      const Model = await modelFor(obj);
      assert.doesNotThrow(() => {
        new Model(obj).validate();
      }, `${where} is invalid`);
      checked++;
    }
    assert.ok(checked >= 20, `only ${checked} objects checked`);
  });

  it('only custom resources of known groups are used', () => {
    const kinds = new Set(
      rendered.filter((r) => CRD_GROUPS.has(r.obj.apiVersion)).map((r) => r.obj.kind),
    );
    assert.deepEqual([...kinds].sort(), [
      'PodMonitor',
      'PrometheusRule',
      'ScaledObject',
      'ServiceMonitor',
    ]);
  });

  it('no object has a field its type lacks (typos, misplaced fields)', () => {
    const errors = strictTypeErrors(rendered);
    assert.deepEqual(errors, [], errors.map((e) => `${e.object}: ${e.message}`).join('\n'));
  });

  it('the strict check does catch a misspelt field', () => {
    const dep = rendered.find((r) => r.obj.kind === 'Deployment');
    assert.ok(dep);
    const broken = structuredClone(dep.obj) as K8sObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const c0 = broken.spec.template.spec.containers[0];
    assert.ok(c0);
    c0.readinesProbe = { grpc: { port: 1 } };
    const errors = strictTypeErrors([{ where: 'broken', obj: broken }]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /readinesProbe/);
  });

  it('the strict check catches a ScaledObject trigger threshold given as a number, and a misspelt field', () => {
    const so = rendered.find((r) => r.obj.kind === 'ScaledObject');
    assert.ok(so);
    type Broken = K8sObject & {
      spec: { triggers: { metadata: Record<string, unknown> }[]; maxReplicas?: number };
    };
    const numeric = structuredClone(so.obj) as Broken;
    const trigger = numeric.spec.triggers[0];
    assert.ok(trigger);
    trigger.metadata.threshold = 3;
    const misspelt = structuredClone(so.obj) as Broken;
    misspelt.spec.maxReplicas = 10;
    const errors = strictTypeErrors([
      { where: 'numeric', obj: numeric },
      { where: 'misspelt', obj: misspelt },
    ]);
    assert.deepEqual(
      errors.map((e) => e.object),
      ['numeric', 'misspelt'],
      errors.map((e) => e.message).join('\n'),
    );
    assert.match(errors[0]?.message ?? '', /'number' is not assignable to type 'string'/);
    assert.match(errors[1]?.message ?? '', /maxReplicas/);
  });
});

// Policy checks over what users apply: probes, resources, pod security, headless gRPC
// Services, no service-account tokens, autoscaling/disruption/network policy in prod, and
// KEDA's ScaledObjects in prod-keda.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { IHorizontalPodAutoscalerBehavior } from 'kubernetes-models/autoscaling/v2';
import type { IContainer } from 'kubernetes-models/v1';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import {
  ALL_RENDERED,
  as,
  byKind,
  contract,
  cpuCores,
  deployments,
  find,
  memBytes,
  render,
} from './helpers.js';
import { loadRules, recordedNames } from './dashboard.js';
import { knownSeries, metricNames } from './promql.js';

const MODEL_SERVICES = ['detector', 'classifier'] as const;
/** Each service's own config parser: what it would run with (defaults included). */
const PARSE_CONFIG = { detector: parseDetectorConfig, classifier: parseClassifierConfig };
/** Pods that legitimately need an API token: Prometheus' kubernetes_sd lists pods. */
const TOKEN_ALLOWED = new Set(['prometheus']);

function envValue(c: IContainer, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

for (const dir of ALL_RENDERED) {
  describe(`policy: ${dir}`, () => {
    const objs = render(dir);
    const deps = deployments(objs);

    it('every container has readiness and liveness probes, requests and limits', () => {
      assert.ok(deps.length > 0);
      for (const { where, pod } of deps) {
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const w = `${where}/${c.name}`;
          if (!(pod.initContainers ?? []).includes(c)) {
            assert.ok(c.readinessProbe, `${w}: no readinessProbe`);
            assert.ok(c.livenessProbe, `${w}: no livenessProbe`);
          }
          for (const r of ['cpu', 'memory'] as const) {
            assert.ok(c.resources?.requests?.[r] !== undefined, `${w}: no ${r} request`);
            assert.ok(c.resources.limits?.[r] !== undefined, `${w}: no ${r} limit`);
          }
          const req = c.resources?.requests ?? {};
          const lim = c.resources?.limits ?? {};
          assert.ok(
            cpuCores(String(req.cpu)) <= cpuCores(String(lim.cpu)),
            `${w}: cpu request > limit`,
          );
          assert.ok(
            memBytes(String(req.memory)) <= memBytes(String(lim.memory)),
            `${w}: memory request > limit`,
          );
        }
      }
    });

    it('every pod runs non-root, read-only, without privilege escalation or capabilities', () => {
      for (const { where, pod } of deps) {
        assert.equal(
          pod.securityContext?.seccompProfile?.type,
          'RuntimeDefault',
          `${where}: seccomp`,
        );
        for (const c of pod.containers) {
          const w = `${where}/${c.name}`;
          const sc = c.securityContext ?? {};
          assert.equal(
            sc.runAsNonRoot ?? pod.securityContext.runAsNonRoot,
            true,
            `${w}: runAsNonRoot`,
          );
          const uid = sc.runAsUser ?? pod.securityContext.runAsUser;
          assert.ok(
            uid !== undefined && uid > 0,
            `${w}: runAsUser must be a non-zero uid (image USER may be a name)`,
          );
          assert.equal(sc.readOnlyRootFilesystem, true, `${w}: readOnlyRootFilesystem`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${w}: allowPrivilegeEscalation`);
          assert.notEqual(sc.privileged, true, `${w}: privileged`);
          assert.ok(sc.capabilities?.drop?.includes('ALL'), `${w}: capabilities.drop ALL`);
          assert.deepEqual(sc.capabilities?.add ?? [], [], `${w}: adds capabilities`);
        }
        assert.notEqual(pod.hostNetwork, true, `${where}: hostNetwork`);
        assert.notEqual(pod.hostPID, true, `${where}: hostPID`);
        for (const v of pod.volumes ?? [])
          assert.equal(v.hostPath, undefined, `${where}: hostPath volume ${v.name}`);
      }
    });

    it('no service-account token is mounted (except where the API is needed)', () => {
      for (const { where, pod } of deps) {
        const sa = pod.serviceAccountName ?? 'default';
        assert.notEqual(sa, 'default', `${where}: runs as the default service account`);
        if (TOKEN_ALLOWED.has(sa)) continue;
        const saObj = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa);
        assert.ok(saObj, `${where}: ServiceAccount ${sa} not rendered`);
        assert.equal(
          as(saObj, 'ServiceAccount').automountServiceAccountToken,
          false,
          `SA ${sa} automounts`,
        );
        assert.equal(
          pod.automountServiceAccountToken,
          false,
          `${where}: automountServiceAccountToken`,
        );
      }
    });

    it('every Service exposing gRPC is headless, and its ports exist on the pods it selects', () => {
      for (const o of byKind(objs, 'Service')) {
        const svc = as(o, 'Service');
        const spec = svc.spec ?? {};
        const grpc = (spec.ports ?? []).filter(
          (p) => p.name === 'grpc' || p.appProtocol === 'grpc' || p.name?.startsWith('grpc-'),
        );
        if (grpc.length > 0)
          assert.equal(
            spec.clusterIP,
            'None',
            `Service/${o.metadata.name} carries gRPC but is not headless`,
          );
        const pods = deps.filter((d) => matches(spec.selector, d.template.metadata?.labels));
        assert.equal(pods.length, 1, `Service/${o.metadata.name} selects ${pods.length} workloads`);
        const containerPorts = pods[0]?.pod.containers.flatMap((c) => c.ports ?? []) ?? [];
        for (const p of spec.ports ?? []) {
          const target = p.targetPort ?? p.port;
          const cp = containerPorts.find((x) => x.name === target || x.containerPort === target);
          assert.ok(cp, `Service/${o.metadata.name} port ${p.name}: no container port ${target}`);
          // headless Services do not remap ports: clients dial the pod IP on `port`
          if (spec.clusterIP === 'None')
            assert.equal(cp.containerPort, p.port, `Service/${o.metadata.name} ${p.name}`);
        }
      }
    });

    it('Deployment selectors match their pod labels', () => {
      for (const { where, dep, template } of deps) {
        assert.ok(
          matches(dep.spec?.selector.matchLabels, template.metadata?.labels),
          `${where}: selector/labels mismatch`,
        );
      }
    });
  });
}

for (const dir of ['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'] as const) {
  describe(`model services: ${dir}`, () => {
    const objs = render(dir);
    for (const name of MODEL_SERVICES) {
      const d = deployments(objs).find((x) => x.dep.metadata.name === name);
      const spec = contract().components[name];

      it(`${name}: native gRPC probes on the gRPC port, startup probe long enough for warm-up`, () => {
        assert.ok(d);
        const c = d.pod.containers[0];
        assert.ok(c);
        for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
          assert.equal(
            p?.grpc?.port,
            spec.grpcPort,
            `${name}: probe is not grpc on ${spec.grpcPort}`,
          );
        }
        const startup = c.startupProbe;
        assert.ok(startup);
        const budget = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
        assert.ok(
          budget >= 120,
          `${name}: startup budget ${budget}s < 120s for model load + warm-up`,
        );
      });

      it(`${name}: ONNX threads follow the CPU limit, which is a whole number of cores`, () => {
        assert.ok(d);
        const c = d.pod.containers[0];
        assert.ok(c);
        const threads = c.env?.find((e) => e.name === 'INTRA_OP_THREADS');
        const ref = threads?.valueFrom?.resourceFieldRef;
        assert.equal(ref?.resource, 'limits.cpu');
        assert.equal(String(ref.divisor), '1');
        assert.equal(ref.containerName, c.name);
        const limit = cpuCores(String(c.resources?.limits?.cpu));
        assert.ok(
          Number.isInteger(limit),
          `${name}: CPU limit ${limit} is rounded up for INTRA_OP_THREADS`,
        );
      });

      it(`${name}: env names are the contract's, ports are the contract's`, () => {
        assert.ok(d);
        const c = d.pod.containers[0];
        assert.ok(c);
        const extra = new Set(['MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE', 'NODE_OPTIONS']);
        for (const e of c.env ?? [])
          assert.ok(
            spec.env.includes(e.name) || extra.has(e.name),
            `${name}: unknown env ${e.name}`,
          );
        assert.equal(envValue(c, 'GRPC_PORT'), String(spec.grpcPort));
        assert.equal(envValue(c, 'METRICS_PORT'), String(spec.metricsPort));
        assert.deepEqual(
          (c.ports ?? []).map((p) => [p.name, p.containerPort]),
          [
            ['grpc', spec.grpcPort],
            ['metrics', spec.metricsPort],
          ],
        );
        assert.equal(c.image, contract().images[name]);
      });

      it(`${name}: grace period exceeds SHUTDOWN_GRACE_MS, /tmp is writable, scrape annotations point at metrics`, () => {
        assert.ok(d);
        const c = d.pod.containers[0];
        assert.ok(c);
        // Variables set from a resource field (valueFrom) are left to the parser's default.
        const env = Object.fromEntries(
          (c.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
        );
        const grace = PARSE_CONFIG[name](env).shutdownGraceMs;
        assert.ok(
          (d.pod.terminationGracePeriodSeconds ?? 30) * 1000 > grace + 5000,
          `${name}: terminationGracePeriodSeconds`,
        );
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        assert.ok(tmp, `${name}: no /tmp mount`);
        assert.ok(
          d.pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir,
          `${name}: /tmp is not an emptyDir`,
        );
        const ann = d.template.metadata?.annotations ?? {};
        assert.equal(ann['prometheus.io/scrape'], 'true');
        assert.equal(ann['prometheus.io/port'], String(spec.metricsPort));
        assert.equal(ann['prometheus.io/path'], '/metrics');
        assert.ok(
          Number(envValue(c, 'MAX_CONNECTION_AGE_MS')) <= 120_000,
          `${name}: connections should age out for re-resolution`,
        );
      });
    }
  });
}

/**
 * Autoscaling for bursty traffic: scale-up acts on the first high reading and can at least
 * double the replicas (or add several) within 15 s; scale-down waits out 5 minutes of
 * lower load and removes one pod at a time.
 */
function assertBurstBehaviour(behavior: IHorizontalPodAutoscalerBehavior | undefined): void {
  const up = behavior?.scaleUp;
  const down = behavior?.scaleDown;
  assert.ok(up && down, 'no scale-up or scale-down behaviour');
  assert.equal(up.stabilizationWindowSeconds, 0, 'scale-up waits before acting');
  assert.equal(up.selectPolicy, 'Max');
  const fast = (up.policies ?? []).filter((p) => p.periodSeconds <= 15);
  assert.ok(
    fast.some((p) => p.type === 'Percent' && p.value >= 100),
    'scale-up cannot double within 15 s',
  );
  assert.ok(
    fast.some((p) => p.type === 'Pods' && p.value >= 2),
    'scale-up from 2 replicas adds too few pods',
  );
  assert.ok((down.stabilizationWindowSeconds ?? 0) >= 300, 'scale-down stabilisation < 5 min');
  assert.deepEqual(
    down.policies?.map((p) => [p.type, p.value]),
    [['Pods', 1]],
  );
}

describe('dev overlay', () => {
  const objs = render('k8s/overlays/dev');
  it('runs one replica of each model service with small requests and no autoscaler', () => {
    for (const name of MODEL_SERVICES) {
      const d = deployments(objs).find((x) => x.dep.metadata.name === name);
      assert.equal(d?.dep.spec?.replicas, 1);
      const req = d.pod.containers[0]?.resources?.requests ?? {};
      assert.ok(
        cpuCores(String(req.cpu)) <= 0.25 && memBytes(String(req.memory)) <= 192 * 2 ** 20,
        `${name}: requests not small`,
      );
    }
    assert.equal(byKind(objs, 'HorizontalPodAutoscaler').length, 0);
  });
});

describe('prod overlay', () => {
  const objs = render('k8s/overlays/prod');
  const hpas = byKind(objs, 'HorizontalPodAutoscaler').map((o) => as(o, 'HorizontalPodAutoscaler'));
  const pdbs = byKind(objs, 'PodDisruptionBudget').map((o) => as(o, 'PodDisruptionBudget'));

  for (const name of MODEL_SERVICES) {
    it(`${name}: one CPU HorizontalPodAutoscaler (autoscaling/v2) owns the replica count`, () => {
      const mine = hpas.filter(
        (h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name,
      );
      assert.equal(mine.length, 1);
      const spec = mine[0]?.spec;
      assert.ok(spec);
      assert.equal(mine[0]?.apiVersion, 'autoscaling/v2');
      assert.ok((spec.minReplicas ?? 1) >= 2, 'minReplicas >= 2 so a PDB can allow one eviction');
      assert.ok(spec.maxReplicas > (spec.minReplicas ?? 1));
      const cpu = spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      assert.ok(cpu?.resource?.target.averageUtilization, 'no CPU utilization target');
      assertBurstBehaviour(spec.behavior);
      const dep = find(objs, 'Deployment', name);
      assert.equal(
        (dep.spec as { replicas?: number }).replicas,
        undefined,
        'spec.replicas would fight the HPA on re-apply',
      );
      const c = deployments(objs).find((x) => x.dep.metadata.name === name)?.pod.containers[0];
      assert.ok(c?.resources?.requests?.cpu, 'HPA utilization needs a CPU request');
    });

    it(`${name}: a PodDisruptionBudget covers its pods`, () => {
      const labels = deployments(objs).find((x) => x.dep.metadata.name === name)?.template.metadata
        ?.labels;
      const mine = pdbs.filter((p) => matches(p.spec?.selector?.matchLabels, labels));
      assert.equal(mine.length, 1);
      const spec = mine[0]?.spec;
      assert.ok(spec?.maxUnavailable !== undefined || spec?.minAvailable !== undefined);
    });
  }

  it('NetworkPolicy: only the function reaches gRPC, only Prometheus reaches /metrics, egress only to Jaeger and DNS', () => {
    const pols = byKind(objs, 'NetworkPolicy').map((o) => as(o, 'NetworkPolicy'));
    for (const name of MODEL_SERVICES) {
      const d = deployments(objs).find((x) => x.dep.metadata.name === name);
      assert.ok(d);
      const mine = pols.filter((p) =>
        matches(p.spec?.podSelector.matchLabels, d.template.metadata?.labels),
      );
      assert.equal(mine.length, 1, `${name}: ${mine.length} policies`);
      const spec = mine[0]?.spec;
      assert.ok(spec);
      assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
      const jaeger = find(render('k8s/monitoring'), 'Service', 'jaeger');
      const otlpPort = (jaeger.spec as { ports: { name: string; port: number }[] }).ports.find(
        (p) => p.name === 'otlp-http',
      )?.port;
      assert.deepEqual(
        (spec.egress ?? []).map((e) => ({
          to: (e.to ?? []).map((t) => ({
            ns: t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
            pods: t.podSelector?.matchLabels ?? {},
          })),
          ports: (e.ports ?? []).map((p) => [p.protocol, p.port]),
        })),
        [
          {
            to: [{ ns: 'monitoring', pods: { 'app.kubernetes.io/name': 'jaeger' } }],
            ports: [['TCP', otlpPort]],
          },
          {
            to: [{ ns: 'kube-system', pods: { 'k8s-app': 'kube-dns' } }],
            ports: [
              ['UDP', 53],
              ['TCP', 53],
            ],
          },
        ],
      );
      const portNames = new Set(d.pod.containers.flatMap((c) => c.ports ?? []).map((p) => p.name));
      const rules = (spec.ingress ?? []).map((r) => ({
        ports: (r.ports ?? []).map((p) => p.port),
        from: (r.from ?? []).map((f) => ({
          ns: f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
          pods: f.podSelector?.matchLabels ?? {},
        })),
      }));
      for (const r of rules) {
        for (const p of r.ports)
          assert.ok(
            typeof p === 'string' && portNames.has(p),
            `${name}: port ${String(p)} not a named container port`,
          );
        for (const f of r.from)
          assert.ok(
            f.ns && Object.keys(f.pods).length > 0,
            `${name}: a peer is not pinned to namespace + pods`,
          );
      }
      assert.deepEqual(rules, [
        {
          ports: ['grpc'],
          from: [{ ns: 'openfaas-fn', pods: { faas_function: contract().functionName } }],
        },
        {
          ports: ['metrics'],
          from: [{ ns: 'monitoring', pods: { 'app.kubernetes.io/name': 'prometheus' } }],
        },
      ]);
    }
  });

  it('requests equal limits (QoS Guaranteed) so HPA utilization is a share of the real ceiling', () => {
    for (const { where, pod } of deployments(objs)) {
      const c = pod.containers[0];
      assert.deepEqual(c?.resources?.requests, c?.resources?.limits, where);
    }
  });
});

describe('prod-keda overlay: KEDA ScaledObjects on queue depth instead of the CPU HPAs', () => {
  const objs = render('k8s/overlays/prod-keda');
  const scaled = byKind(objs, 'ScaledObject').map((o) => as(o, 'ScaledObject'));
  const prodHpas = byKind(render('k8s/overlays/prod'), 'HorizontalPodAutoscaler').map((o) =>
    as(o, 'HorizontalPodAutoscaler'),
  );
  const prometheus = find(render('k8s/monitoring'), 'Service', 'prometheus');
  let known = new Set<string>();
  before(async () => {
    known = await knownSeries(recordedNames(loadRules()));
  });

  it('has no HorizontalPodAutoscaler of its own: KEDA creates one per ScaledObject', () => {
    assert.deepEqual(byKind(objs, 'HorizontalPodAutoscaler'), []);
  });

  for (const name of MODEL_SERVICES) {
    it(`${name}: one ScaledObject owns the replica count, with the prod HPA's bounds and behaviour`, () => {
      const mine = scaled.filter((s) => s.spec.scaleTargetRef.name === name);
      assert.equal(mine.length, 1);
      const spec = mine[0]?.spec;
      assert.ok(spec);
      assert.equal(spec.scaleTargetRef.kind ?? 'Deployment', 'Deployment');
      assert.equal(spec.scaleTargetRef.apiVersion ?? 'apps/v1', 'apps/v1');
      const dep = find(objs, 'Deployment', name);
      assert.equal((dep.spec as { replicas?: number }).replicas, undefined);
      const hpa = prodHpas.find((h) => h.spec?.scaleTargetRef.name === name)?.spec;
      assert.ok(hpa);
      assert.equal(spec.minReplicaCount, hpa.minReplicas);
      assert.equal(spec.maxReplicaCount, hpa.maxReplicas);
      assert.ok((spec.minReplicaCount ?? 0) >= 2, 'minReplicaCount >= 2 (PDB, no scale to zero)');
      assert.deepEqual(spec.advanced?.horizontalPodAutoscalerConfig?.behavior, hpa.behavior);
      assertBurstBehaviour(spec.advanced?.horizontalPodAutoscalerConfig?.behavior);
      assert.ok(
        (spec.fallback?.replicas ?? 0) >= (spec.minReplicaCount ?? 0),
        'no fallback when Prometheus cannot be queried',
      );
    });

    it(`${name}: the trigger asks k8s/monitoring's Prometheus for this service's queued + in-flight jobs, per replica`, () => {
      const spec = scaled.find((s) => s.spec.scaleTargetRef.name === name)?.spec;
      const [trigger, ...others] = spec?.triggers ?? [];
      assert.ok(trigger);
      assert.deepEqual(others, []);
      assert.equal(trigger.type, 'prometheus');
      assert.equal(trigger.metricType ?? 'AverageValue', 'AverageValue', 'not divided by replicas');
      const { serverAddress, query, threshold } = trigger.metadata;
      const port = (prometheus.spec as { ports: { port: number }[] }).ports[0]?.port;
      assert.equal(
        serverAddress,
        `http://${prometheus.metadata.name}.${String(prometheus.metadata.namespace)}.svc.cluster.local:${String(port)}`,
      );
      const names = metricNames(query);
      assert.deepEqual([...new Set(names)].sort(), [
        'banana_inference_in_flight',
        'banana_inference_queue_depth',
      ]);
      for (const n of names) assert.ok(known.has(n), `unknown series ${n}`);
      for (const selector of query.match(/\{[^}]*\}/g) ?? [])
        assert.match(selector, new RegExp(`service="${name}"`), `${selector} is not the ${name}'s`);
      const dep = deployments(objs).find((d) => d.dep.metadata.name === name);
      const env = Object.fromEntries(
        (dep?.pod.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? '']),
      );
      const perReplica = Number(threshold);
      const capacity = Number(env.INFERENCE_WORKERS) + Number(env.MAX_QUEUE);
      assert.ok(
        perReplica >= 1 && perReplica < capacity / 2,
        `threshold ${threshold}: scale well before a replica's ${String(capacity)} jobs fill up`,
      );
    });
  }
});

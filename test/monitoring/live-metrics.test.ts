// Live: (a) the running code exports every banana_* metric the Grafana dashboard uses;
// (b) a real Prometheus, configured by k8s/monitoring/prometheus.yml (its Kubernetes
// discovery emulated, see k8s-sd.ts) and rules.yml, scrapes the local stack, and every
// dashboard metric and panel query returns data after traffic.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { dashboardQueries, loadRules, recordedNames } from '../k8s/dashboard.js';
import { contract, deployments, readText, render } from '../k8s/helpers.js';
import { GATEWAY_METRICS, KUBE_STATE_METRICS, metricNames } from '../k8s/promql.js';
import { localiseConfig, type FakePod } from './k8s-sd.js';
import {
  FUNCTION_IPS,
  sendAllKinds,
  startLiveSystem,
  type LiveSystem,
  type TrafficReport,
} from './live-stack.js';
import { scrape, type Sample } from './prom-text.js';
import { startPrometheus, type PrometheusServer, type QueryResult } from './prometheus-server.js';

const OK_REQUESTS = 12;
/** Series that only exist in a cluster (OpenFaaS gateway, kube-state-metrics). */
const CLUSTER_ONLY = new Set([...GATEWAY_METRICS, ...KUBE_STATE_METRICS]);
/** Grafana's variables, as Grafana would expand them for a 10-minute view. */
const grafanaExpand = (expr: string): string =>
  expr
    .replace(/\$__rate_interval/g, '30s')
    .replace(/\$__range/g, '10m')
    .replace(/\$__interval/g, '5s');

const dashboardNames = [...new Set(dashboardQueries().flatMap((q) => metricNames(q.expr)))].sort();
const recorded = new Set(recordedNames());

let sys: LiveSystem;
let traffic: TrafficReport;
let prom: PrometheusServer | undefined;
let podsExpected: { job: string; instance: string }[] = [];

/** Fake pods from the dev overlay's pod templates, one per local replica, ports remapped. */
function fakePods(s: LiveSystem): FakePod[] {
  const deps = deployments(render('k8s/overlays/dev'));
  const pods: FakePod[] = [];
  for (const replica of [...s.stack.detectors, ...s.stack.classifiers]) {
    const d = deps.find((x) => x.dep.metadata.name === replica.service);
    assert.ok(d, `no Deployment ${replica.service}`);
    const c = d.pod.containers[0];
    assert.ok(c);
    const remap = new Map([
      [c.ports?.find((p) => p.name === 'grpc')?.containerPort, replica.grpcPort],
      [c.ports?.find((p) => p.name === 'metrics')?.containerPort, replica.metricsPort],
    ]);
    const annotations = { ...(d.template.metadata?.annotations ?? {}) };
    annotations['prometheus.io/port'] = String(
      remap.get(Number(annotations['prometheus.io/port'])) ?? 'unmapped',
    );
    pods.push({
      namespace: d.dep.metadata.namespace ?? 'banana',
      name: `${replica.service}-${String(replica.index)}`,
      ip: '127.0.0.1',
      labels: d.template.metadata?.labels ?? {},
      annotations,
      containers: [
        {
          name: c.name,
          ports: (c.ports ?? []).map((p) => ({
            name: p.name,
            containerPort: remap.get(p.containerPort) ?? 0,
          })),
        },
      ],
    });
  }
  // The function's pods as faas-netes makes them (labels, the annotation it adds, port "http" 8080).
  const stackLabels =
    (
      parse(readText('stack.yml')) as {
        functions: Record<string, { labels?: Record<string, string> }>;
      }
    ).functions[contract().functionName]?.labels ?? {};
  FUNCTION_IPS.forEach((ip, i) => {
    pods.push({
      namespace: 'openfaas-fn',
      name: `banana-ripeness-${String(i)}`,
      ip,
      labels: { faas_function: contract().functionName, ...stackLabels },
      annotations: { 'prometheus.io.scrape': 'false' },
      containers: [
        { name: contract().functionName, ports: [{ name: 'http', containerPort: 8080 }] },
      ],
    });
  });
  // Decoys the relabelling must drop.
  const first = pods[0];
  assert.ok(first);
  pods.push({ ...first, name: 'unannotated', annotations: {} });
  pods.push({ ...first, name: 'elsewhere', namespace: 'default' });
  pods.push({
    ...(pods.at(-3) ?? first),
    name: 'other-function',
    labels: { faas_function: 'other' },
  });
  podsExpected = [
    ...[...s.stack.detectors, ...s.stack.classifiers].map((r) => ({
      job: r.service,
      instance: `127.0.0.1:${String(r.metricsPort)}`,
    })),
    ...FUNCTION_IPS.map((ip) => ({ job: 'function', instance: `${ip}:${String(s.functionPort)}` })),
  ];
  return pods;
}

before(async () => {
  sys = await startLiveSystem({ detectors: 1, classifiers: 1 });
  try {
    const rules = loadRules();
    for (const g of rules.groups) (g as { interval?: string }).interval = '1s';
    prom = await startPrometheus(({ dir, port }) => {
      const ruleFile = path.join(dir, 'rules.yml');
      writeFileSync(ruleFile, stringify(rules));
      return localiseConfig({
        pods: fakePods(sys),
        dir,
        promPort: port,
        ruleFile,
        interval: '1s',
        rewrite: (sc) => {
          if (sc.job_name !== 'function') return sc;
          const relabel = (sc.relabel_configs ?? []).map((r) => {
            if (r.target_label !== '__address__') return r;
            assert.equal(r.replacement, '$1:3000', 'the function job no longer scrapes port 3000');
            return { ...r, replacement: `$1:${String(sys.functionPort)}` };
          });
          return { ...sc, relabel_configs: relabel };
        },
      });
    });
    // every expected target up before the traffic, so rates see it happen
    await prom.waitFor(
      'count(up == 1)',
      (r) => Number(r[0]?.value[1]) >= podsExpected.length + 1,
      30_000,
    );
    traffic = await sendAllKinds(sys, OK_REQUESTS);
    const trafficEnded = Date.now() / 1000;
    await prom.waitFor(
      'sum(banana_function_requests_total)',
      (r) =>
        Number(r[0]?.value[1]) >=
        OK_REQUESTS + traffic.clientErrors.length + traffic.upstreamFailures.length,
      30_000,
    );
    // Every target scraped twice more after the traffic (so rates cover it), and every
    // recording rule evaluated on it (the gRPC error ratio has no series in a healthy stack).
    await prom.waitFor(
      'min(timestamp(up))',
      (r) => Number(r[0]?.value[1]) > trafficEnded + 2,
      30_000,
    );
    for (const name of recorded)
      if (name !== 'banana:grpc_errors:ratio_rate5m')
        await prom.waitFor(name, (r) => r.length > 0, 30_000);
  } catch (error) {
    await prom?.stop();
    await sys.stop();
    throw error;
  }
});

after(async () => {
  await prom?.stop();
  await sys.stop();
});

describe('traffic', () => {
  it('reached the classifier, and produced client, upstream and gRPC errors', () => {
    assert.deepEqual(
      traffic.ok.filter((o) => o.status !== 200),
      [],
    );
    assert.deepEqual(
      traffic.clientErrors.map((o) => o.status),
      [400, 415],
    );
    for (const o of traffic.upstreamFailures)
      assert.ok(o.status >= 500, `failing function answered ${String(o.status)}`);
    assert.equal(traffic.grpcInvalid, '3'); // INVALID_ARGUMENT
  });
});

describe('(a) live /metrics', () => {
  let samples: Sample[] = [];
  before(async () => {
    const urls = [
      `${sys.functionUrl}/metrics`,
      `${sys.failingUrl}/metrics`,
      ...[...sys.stack.detectors, ...sys.stack.classifiers].map((r) => r.metricsUrl),
    ];
    samples = (await Promise.all(urls.map(scrape))).flat();
  });

  it('exports every banana_* metric the dashboard queries', () => {
    const exported = new Set(samples.map((s) => s.name));
    const missing = dashboardNames.filter(
      (n) => n.startsWith('banana_') && !recorded.has(n) && !exported.has(n),
    );
    assert.deepEqual(missing, []);
  });

  it("exports every contract metric with the contract's label values", () => {
    const names = new Set(samples.map((s) => s.name));
    for (const [name, type] of contract().metrics) {
      assert.ok(names.has(type === 'histogram' ? `${name}_bucket` : name), `${name} not exported`);
    }
    const values = (name: string, label: string): Set<string> =>
      new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label] ?? ''));
    assert.deepEqual([...values('banana_grpc_requests_total', 'service')].sort(), [
      'classifier',
      'detector',
    ]);
    for (const st of values('banana_inference_stage_duration_seconds_bucket', 'stage')) {
      assert.ok(
        ['decode', 'preprocess', 'queue', 'inference', 'postprocess'].includes(st),
        `stage ${st}`,
      );
    }
    for (const st of values('banana_function_stage_duration_seconds_bucket', 'stage')) {
      assert.ok(
        ['parse', 'detect', 'classify', 'draw', 'encode'].includes(st),
        `function stage ${st}`,
      );
    }
    assert.ok(values('banana_grpc_requests_total', 'code').has('INVALID_ARGUMENT'));
    assert.ok(values('banana_function_requests_total', 'code').has('415'));
  });

  it('exports the process/nodejs defaults the dashboard uses from every component', async () => {
    const defaults = dashboardNames.filter((n) => /^(process|nodejs)_/.test(n));
    assert.ok(defaults.length > 0);
    for (const url of [
      `${sys.functionUrl}/metrics`,
      sys.stack.detectors[0]?.metricsUrl ?? '',
      sys.stack.classifiers[0]?.metricsUrl ?? '',
    ]) {
      const names = new Set((await scrape(url)).map((s) => s.name));
      for (const n of defaults) assert.ok(names.has(n), `${url} lacks ${n}`);
    }
  });
});

describe('(b) Prometheus with k8s/monitoring/prometheus.yml and rules.yml', () => {
  const q = async (expr: string): Promise<QueryResult> => {
    assert.ok(prom, 'prometheus not started');
    return prom.query(expr);
  };

  it('applies the Kubernetes relabelling: one target per replica, job = component, decoys dropped', async () => {
    assert.ok(prom);
    const data = (await prom.api('/api/v1/targets?state=any')) as {
      activeTargets: {
        labels: Record<string, string>;
        health: string;
        lastError: string;
        scrapePool: string;
      }[];
      droppedTargets: { discoveredLabels: Record<string, string> }[];
    };
    const active = data.activeTargets
      .filter((t) => t.labels.job !== 'prometheus')
      .map((t) => ({
        job: t.labels.job ?? '',
        instance: t.labels.instance ?? '',
        health: t.health,
        err: t.lastError,
      }));
    const key = (t: { job: string; instance: string }): string => `${t.job} ${t.instance}`;
    assert.deepEqual(active.map(key).sort(), podsExpected.map(key).sort());
    for (const t of active) assert.equal(t.health, 'up', `${key(t)}: ${t.err}`);
    const dropped = new Set(
      data.droppedTargets.map((t) => t.discoveredLabels.__meta_kubernetes_pod_name),
    );
    for (const decoy of ['unannotated', 'other-function'])
      assert.ok(dropped.has(decoy), `${decoy} was not dropped`);
    // pods of other namespaces are not even discovered
    assert.ok(!dropped.has('elsewhere'));
  });

  it('returns data for every metric the dashboard names (gateway_* and kube_* exist only in a cluster)', async () => {
    const missing: string[] = [];
    for (const name of dashboardNames) {
      if (CLUSTER_ONLY.has(name)) continue;
      if ((await q(name)).length === 0) missing.push(name);
    }
    assert.deepEqual(missing, []);
    assert.deepEqual(
      dashboardNames.filter((n) => CLUSTER_ONLY.has(n)).filter((n) => !/^(gateway|kube)_/.test(n)),
      [],
    );
  });

  it('evaluates every panel query, and each returns a number (unless it needs cluster-only series)', async () => {
    const empty: string[] = [];
    for (const { title, expr } of dashboardQueries()) {
      const result = await q(grafanaExpand(expr)); // throws on a PromQL error
      if (metricNames(expr).some((n) => CLUSTER_ONLY.has(n))) continue;
      const numbers = result.map((r) => Number(r.value[1])).filter((v) => !Number.isNaN(v));
      if (numbers.length === 0) empty.push(`${title}: ${expr}`);
    }
    assert.deepEqual(empty, []);
  });

  it('loads the rules: every recording rule produces series, every rule is healthy', async () => {
    assert.ok(prom);
    const data = (await prom.api('/api/v1/rules')) as {
      groups: { rules: { name: string; health: string; lastError?: string; type: string }[] }[];
    };
    const rules = data.groups.flatMap((g) => g.rules);
    assert.equal(rules.length, loadRules().groups.flatMap((g) => g.rules).length);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
    // The server-side gRPC error ratio has a series only once a service fails a call
    // (UNAVAILABLE, INTERNAL, ...); this healthy stack fails none (promtool unit-tests that rule).
    const serverErrors = await q(
      'banana_grpc_requests_total{code=~"UNKNOWN|INTERNAL|UNAVAILABLE|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED|DATA_LOSS|UNIMPLEMENTED"}',
    );
    for (const name of recorded) {
      const n = (await q(name)).length;
      if (name === 'banana:grpc_errors:ratio_rate5m' && serverErrors.length === 0)
        assert.equal(n, 0);
      else assert.ok(n > 0, `recording rule ${name} has no data`);
    }
  });
});

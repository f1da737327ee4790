// Static checks of k8s/monitoring: the Grafana dashboard parses, has the panels the issue
// asks for, and every metric its queries name is one the code exports (contract), a
// recording rule, or a known OpenFaaS/kube-state-metrics/prom-client series; the rules
// and the generated PrometheusRule agree; the Prometheus config yields the dashboard's jobs;
// traces: every component exports to the Jaeger of k8s/monitoring, Grafana reads it, and
// the latency panels link exemplars to it.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  dashboardPanels,
  dashboardQueries,
  loadDashboard,
  loadRules,
  recordedNames,
  type Panel,
} from './dashboard.js';
import { as, byKind, contract, deployments, find, readText, readYaml, render } from './helpers.js';
import { knownSeries, metricNames } from './promql.js';
import { prometheusRule } from '../../k8s/tools/gen-prometheus-rule.js';
import { parse as parseYaml } from 'yaml';

type ScrapeConfig = {
  job_name: string;
  kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
  static_configs?: { targets: string[] }[];
  relabel_configs?: {
    source_labels?: string[];
    action?: string;
    regex?: string;
    target_label?: string;
    replacement?: string;
  }[];
};
type PromConfig = { rule_files?: string[]; scrape_configs: ScrapeConfig[] };

const dashboard = loadDashboard();
const rules = loadRules();
const promConfig = readYaml('k8s/monitoring/prometheus.yml') as PromConfig;
const panels = dashboardPanels(dashboard);
const recorded = recordedNames(rules);

describe('Grafana dashboard', () => {
  let known = new Set<string>();
  before(async () => {
    known = await knownSeries(recorded);
  });

  it('parses, has a uid, a datasource variable and well-formed panels', () => {
    assert.equal(dashboard.uid, 'banana-ripeness');
    assert.ok(
      dashboard.templating?.list?.some((v) => v.type === 'datasource' && v.name === 'datasource'),
    );
    const ids = new Set<number>();
    for (const p of dashboard.panels) {
      assert.ok(p.id !== undefined && !ids.has(p.id), `duplicate/missing id on ${p.title}`);
      ids.add(p.id);
      assert.ok(p.gridPos && p.gridPos.x + p.gridPos.w <= 24, `${p.title}: gridPos`);
    }
    for (const p of panels) {
      assert.ok((p.targets ?? []).length > 0, `${p.title}: no queries`);
      assert.equal(p.datasource?.uid, '${datasource}', `${p.title}: hard-wired datasource`);
      for (const t of p.targets ?? []) assert.ok(t.expr?.trim(), `${p.title}: empty query`);
    }
  });

  it('has the panels the issue asks for', () => {
    const has = (pred: (p: Panel, exprs: string) => boolean, what: string): void => {
      assert.ok(
        panels.some((p) => pred(p, (p.targets ?? []).map((t) => t.expr).join('\n'))),
        `no panel for ${what}`,
      );
    };
    has(
      (_, e) => e.includes('gateway_function_invocation_total') && e.includes('increase('),
      'total invocations (gateway)',
    );
    has(
      (_, e) => e.includes('banana_function_requests_total') && e.includes('increase('),
      'total invocations (function)',
    );
    has((_, e) => e.includes('gateway_service_count'), 'function replicas (gateway)');
    has(
      (_, e) => /up\{job=~?"[^"]*detector/.test(e) && /classifier/.test(e),
      'replicas per component',
    );
    for (const q of ['0.5', '0.95', '0.99']) {
      has(
        (p, e) =>
          p.fieldConfig?.defaults?.unit === 's' &&
          e.includes(
            `histogram_quantile(${q}, sum by (le) (rate(banana_function_request_duration_seconds_bucket`,
          ),
        `duration p${q} in seconds`,
      );
      has(
        (p, e) =>
          p.fieldConfig?.defaults?.unit === 'ms' &&
          e.includes(
            `histogram_quantile(${q}, sum by (le) (rate(banana_function_request_duration_seconds_bucket`,
          ),
        `duration p${q} in ms`,
      );
    }
    has(
      (p, e) =>
        p.fieldConfig?.defaults?.unit === 'reqps' &&
        e.includes('rate(banana_function_requests_total'),
      'request rate',
    );
    has(
      (_, e) => /sum by \(code\) \(rate\(banana_function_requests_total\{code!~"2\.\."\}/.test(e),
      'errors by code',
    );
    has((_, e) => e.includes('banana_grpc_requests_total{code!="OK"}'), 'gRPC errors by code');
    has(
      (_, e) => e.includes('banana_inference_stage_duration_seconds_bucket') && e.includes('stage'),
      'per-stage latency (services)',
    );
    has(
      (_, e) => e.includes('banana_function_stage_duration_seconds_bucket') && e.includes('stage'),
      'per-stage latency (function)',
    );
    has((_, e) => e.includes('banana_inference_batch_size'), 'batch size');
    has(
      (_, e) =>
        e.includes('banana_inference_queue_depth') && e.includes('banana_inference_in_flight'),
      'queue depth / in flight',
    );
  });

  it('every metric a panel queries is exported by the code or a known exporter', () => {
    const unknown = dashboardQueries().flatMap(({ title, expr }) =>
      metricNames(expr)
        .filter((n) => !known.has(n))
        .map((n) => `${title}: ${n}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('uses every metric the contract defines', () => {
    const used = new Set(dashboardQueries().flatMap((q) => metricNames(q.expr)));
    for (const [name, type] of contract().metrics) {
      const series =
        type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => name + s) : [name];
      assert.ok(
        series.some((s) => used.has(s)),
        `dashboard does not show ${name}`,
      );
    }
  });

  it('the tokenizer finds names in typical queries', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, stage) (rate(a_bucket{x=~"y(\\\\..*)?"}[$__rate_interval]))) * 1000',
      ),
      ['a_bucket'],
    );
    assert.deepEqual(
      metricNames(
        'sum(rate(a_total{code=~"5.."}[5m])) / on(job) group_left b > bool 0.5 and c offset 1m',
      ),
      ['a_total', 'b', 'c'],
    );
  });
});

describe('Prometheus rules', () => {
  let known = new Set<string>();
  before(async () => {
    known = await knownSeries(recorded);
  });

  it('record error-rate and latency series, and alert on them', () => {
    assert.ok(
      recorded.some((r) => /error/.test(r)),
      'no error-rate recording rule',
    );
    assert.ok(
      recorded.some((r) => /p95/.test(r)),
      'no latency recording rule',
    );
    const alerts = rules.groups.flatMap((g) => g.rules.filter((r) => r.alert));
    assert.ok(
      alerts.some((a) => /error/i.test(a.expr) && a.for),
      'no error-rate alert',
    );
    assert.ok(
      alerts.some((a) => /p95|histogram_quantile/.test(a.expr) && a.for),
      'no latency alert',
    );
    for (const a of alerts) assert.ok(a.labels?.severity, `${String(a.alert)}: no severity`);
  });

  it('name only known series; recording rule names follow level:metric:operations', () => {
    for (const r of rules.groups.flatMap((g) => g.rules)) {
      for (const n of metricNames(r.expr))
        assert.ok(known.has(n), `${r.record ?? r.alert ?? ''}: unknown ${n}`);
      if (r.record) assert.match(r.record, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    }
  });

  it('gen:k8s makes a PrometheusRule of exactly the groups of rules.yml, comments kept', async () => {
    const text = await prometheusRule(readText('k8s/monitoring/rules.yml'));
    const pr = parseYaml(text) as { kind: string; spec: { groups: unknown } };
    assert.equal(pr.kind, 'PrometheusRule');
    assert.deepEqual(pr.spec.groups, rules.groups);
    assert.match(text, /# Function \(end to end, as the user sees it\)/);
    // check:k8s in CI fails when the committed file is not this text
    const objs = render('k8s/overlays/prod-prometheus-operator');
    assert.ok(objs.some((o) => o.kind === 'PrometheusRule'));
  });
});

describe('Prometheus config and monitoring stack', () => {
  const jobOf = (sc: ScrapeConfig): string[] => {
    // a relabel to `job` from the app.kubernetes.io/name pod label produces detector|classifier
    const toJob = sc.relabel_configs?.find((r) => r.target_label === 'job');
    if (toJob?.source_labels?.includes('__meta_kubernetes_pod_label_app_kubernetes_io_name'))
      return ['detector', 'classifier'];
    return [sc.job_name];
  };

  it('scrapes detector, classifier, function and the OpenFaaS gateway under the job names the dashboard uses', () => {
    const jobs = promConfig.scrape_configs.flatMap(jobOf);
    for (const j of ['detector', 'classifier', 'function', 'openfaas-gateway'])
      assert.ok(jobs.includes(j), `no job ${j}`);
    const dashJobs = new Set(
      dashboardQueries().flatMap((q) =>
        [...q.expr.matchAll(/job=~?"([^"]+)"/g)].flatMap((m) => (m[1] ?? '').split('|')),
      ),
    );
    for (const j of dashJobs)
      assert.ok(jobs.includes(j), `dashboard uses job ${j} that no scrape config produces`);
  });

  it('discovers the namespaces the manifests deploy to', () => {
    const nsOf = (job: string): string[] =>
      promConfig.scrape_configs
        .find((s) => s.job_name === job)
        ?.kubernetes_sd_configs?.flatMap((k) => k.namespaces?.names ?? []) ?? [];
    const base = render('k8s/base');
    assert.deepEqual(nsOf('model-services'), [
      ...new Set(base.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.namespace)),
    ]);
    assert.deepEqual(nsOf('function'), ['openfaas-fn']);
    assert.deepEqual(nsOf('openfaas-gateway'), ['openfaas']);
  });

  it('ships config, rules and dashboard through generated ConfigMaps', () => {
    const objs = render('k8s/monitoring');
    const cms = byKind(objs, 'ConfigMap').map((o) => as(o, 'ConfigMap'));
    const data = (prefix: string): Record<string, string> =>
      cms.find((c) => c.metadata.name.startsWith(prefix))?.data ?? {};
    assert.equal(
      data('prometheus-config')['prometheus.yml'],
      readText('k8s/monitoring/prometheus.yml'),
    );
    assert.equal(data('prometheus-config')['rules.yml'], readText('k8s/monitoring/rules.yml'));
    assert.equal(
      data('grafana-dashboards')['banana-ripeness.json'],
      readText('k8s/monitoring/grafana-dashboard.json'),
    );
    assert.ok(promConfig.rule_files?.includes('/etc/prometheus/rules.yml'));
  });

  it('Prometheus runs where the prod NetworkPolicy lets it scrape (namespace monitoring, app.kubernetes.io/name=prometheus)', () => {
    const prom = render('k8s/monitoring').find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus',
    );
    assert.ok(prom);
    assert.equal(prom.metadata.namespace, 'monitoring');
    const labels = (prom.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template.metadata.labels;
    assert.equal(labels['app.kubernetes.io/name'], 'prometheus');
  });
});

describe('traces: Jaeger, the OTEL_* variables and exemplars', () => {
  const monitoring = render('k8s/monitoring');
  const jaegerService = find(monitoring, 'Service', 'jaeger');
  const portOf = (name: string): number | undefined =>
    (jaegerService.spec as { ports: { name: string; port: number }[] }).ports.find(
      (p) => p.name === name,
    )?.port;
  const host = `${jaegerService.metadata.name}.${String(jaegerService.metadata.namespace)}.svc`;

  it('Jaeger all-in-one serves OTLP/HTTP on 4318 and its query API behind the Service', () => {
    assert.equal(portOf('otlp-http'), 4318);
    const jaeger = deployments(monitoring).find((d) => d.dep.metadata.name === 'jaeger');
    const c = jaeger?.pod.containers[0];
    assert.match(c?.image ?? '', /^docker\.io\/jaegertracing\/all-in-one:1\.\d+\.\d+$/);
    const ports = new Map((c?.ports ?? []).map((p) => [p.name, p.containerPort]));
    assert.equal(ports.get('otlp-http'), 4318);
    assert.equal(ports.get('http'), 16686);
    assert.equal(portOf('http'), 16686);
  });

  const components: [string, string, Record<string, string>][] = [
    ...(['detector', 'classifier'] as const).flatMap((name) =>
      ['k8s/overlays/dev', 'k8s/overlays/prod'].map(
        (dir): [string, string, Record<string, string>] => {
          const c = deployments(render(dir)).find((d) => d.dep.metadata.name === name)?.pod
            .containers[0];
          const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? '']));
          return [`${name} (${dir})`, `banana-${name}`, env];
        },
      ),
    ),
    [
      'function (stack.yml)',
      'banana-function',
      Object.fromEntries(
        Object.entries(
          (readYaml('stack.yml') as { functions: Record<string, { environment: object }> })
            .functions[contract().functionName]?.environment ?? {},
        ).map(([k, v]) => [k, String(v)]),
      ),
    ],
    [
      'function (k8s/openfaas/function.yaml)',
      'banana-function',
      (readYaml('k8s/openfaas/function.yaml') as { spec: { environment: Record<string, string> } })
        .spec.environment,
    ],
  ];
  for (const [where, serviceName, env] of components) {
    it(`${where} exports its spans to Jaeger over OTLP/HTTP protobuf as ${serviceName}`, () => {
      assert.equal(
        env.OTEL_EXPORTER_OTLP_ENDPOINT,
        `http://${host}.cluster.local:${String(portOf('otlp-http'))}`,
      );
      assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf');
      assert.equal(env.OTEL_SERVICE_NAME, serviceName);
    });
  }

  it('Prometheus keeps exemplars (exemplar storage on)', () => {
    const prom = deployments(monitoring).find((d) => d.dep.metadata.name === 'prometheus');
    assert.ok(prom?.pod.containers[0]?.args?.includes('--enable-feature=exemplar-storage'));
  });

  it("Grafana's Prometheus data source links an exemplar's trace_id to the Jaeger data source", () => {
    type Source = {
      uid: string;
      type: string;
      url: string;
      jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] };
    };
    const { datasources } = readYaml('k8s/monitoring/grafana/datasources.yaml') as {
      datasources: Source[];
    };
    const jaeger = datasources.find((d) => d.type === 'jaeger');
    assert.ok(jaeger, 'no Jaeger data source');
    assert.equal(jaeger.url, `http://${host}:${String(portOf('http'))}`);
    const prometheus = datasources.find((d) => d.type === 'prometheus');
    assert.deepEqual(prometheus?.jsonData?.exemplarTraceIdDestinations, [
      { name: 'trace_id', datasourceUid: jaeger.uid },
    ]);
  });

  it('every latency time series panel of the dashboard asks for exemplars', () => {
    const latency = dashboardPanels().filter((p) => p.type === 'timeseries');
    let count = 0;
    for (const p of latency)
      for (const t of p.targets ?? []) {
        if (!/histogram_quantile\([^]*_seconds_bucket/.test(t.expr ?? '')) continue;
        count++;
        assert.equal(t.exemplar, true, `${p.title}: ${t.refId ?? ''} shows no exemplars`);
      }
    assert.ok(count >= 5, `only ${String(count)} latency queries`);
  });
});

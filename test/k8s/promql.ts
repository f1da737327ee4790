// Metric names referenced by a PromQL expression, and the catalogue of names this repo
// may reference (contract + recording rules + OpenFaaS gateway + kube-state-metrics +
// prom-client defaults). A tokenizer, not a parser: enough for the expressions we write.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { contractSeriesNames } from './helpers.js';

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
  'Inf',
  'NaN',
  'start',
  'end',
]);

/** Metric names in `expr` (Grafana's $__ variables allowed). */
export function metricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  s = s.replace(/\$\{?\w+\}?/g, ' '); // dashboard variables
  const names = new Set<string>();
  const re = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const before = s[m.index - 1] ?? ' ';
    const after = s.slice(m.index + m[0].length);
    if (/[0-9.]/.test(before)) continue; // 1e3, 0.95, 5m
    if (/^\s*\(/.test(after)) continue; // function call
    if (KEYWORDS.has(m[0])) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}

/** OpenFaaS gateway metrics (docs.openfaas.com/architecture/metrics, CE gateway). */
export const GATEWAY_METRICS = [
  'gateway_function_invocation_total',
  'gateway_functions_seconds_bucket',
  'gateway_functions_seconds_sum',
  'gateway_functions_seconds_count',
  'gateway_service_count',
  'gateway_function_invocation_started',
  'gateway_function_invocation_inflight',
];

/** kube-state-metrics series the dashboard may use. */
export const KUBE_STATE_METRICS = [
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas',
  'kube_deployment_status_replicas_available',
  'kube_horizontalpodautoscaler_status_current_replicas',
  'kube_horizontalpodautoscaler_status_desired_replicas',
  'kube_horizontalpodautoscaler_spec_max_replicas',
  'kube_horizontalpodautoscaler_spec_min_replicas',
];

/** Series names prom-client's collectDefaultMetrics() exports on this Node version. */
export async function promClientDefaultSeries(): Promise<Set<string>> {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  const text = await reg.metrics();
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

/** Everything a dashboard or rule may name, given the recording rules' names. */
export async function knownSeries(recorded: Iterable<string>): Promise<Set<string>> {
  return new Set([
    ...contractSeriesNames(),
    ...recorded,
    'up',
    ...GATEWAY_METRICS,
    ...KUBE_STATE_METRICS,
    ...(await promClientDefaultSeries()),
  ]);
}

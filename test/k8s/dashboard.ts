// The Grafana dashboard and rule files of k8s/monitoring, typed, for the static tests
// here and the live ones in test/monitoring.
import { readText, readYaml } from './helpers.js';

export type Target = {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
  /** Grafana shows the series' exemplars (trace ids) as points. */
  exemplar?: boolean;
};
export type Panel = {
  id?: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string } };
  panels?: Panel[];
};
export type Dashboard = {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list?: { name: string; type: string }[] };
};
export type Rule = {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
};
export type RuleFile = { groups: { name: string; rules: Rule[] }[] };

export function loadDashboard(): Dashboard {
  return JSON.parse(readText('k8s/monitoring/grafana-dashboard.json')) as Dashboard;
}

/** Non-row panels, nested ones included. */
export function dashboardPanels(d: Dashboard = loadDashboard()): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
}

/** Every panel query with its panel's title. */
export function dashboardQueries(
  d: Dashboard = loadDashboard(),
): { title: string; expr: string }[] {
  return dashboardPanels(d).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr ?? '' })),
  );
}

export function loadRules(): RuleFile {
  return readYaml('k8s/monitoring/rules.yml') as RuleFile;
}

export function recordedNames(rules: RuleFile = loadRules()): string[] {
  return rules.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => !!r));
}

// Runs k8s/monitoring/prometheus.yml, unchanged in its relabelling, against processes on
// this machine: each `kubernetes_sd_configs` block becomes a `file_sd_configs` list of the
// targets Kubernetes' pod discovery would produce for "fake pods", built from the rendered
// manifests' pod templates (labels, annotations, container ports) with the pod IP 127.0.0.1
// and the ports remapped to the local processes' ports. Prometheus then applies the real
// keep/drop and address rewriting, and its /api/v1/targets shows the outcome.
import { readText } from '../k8s/helpers.js';
import { parse } from 'yaml';

export type FakePod = {
  namespace: string;
  name: string;
  ip: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: { name: string; ports: { name?: string; containerPort: number }[] }[];
  phase?: string;
};

type RelabelConfig = Record<string, unknown> & { replacement?: string; target_label?: string };
export type ScrapeConfig = Record<string, unknown> & {
  job_name: string;
  kubernetes_sd_configs?: { role: string; namespaces?: { names?: string[] } }[];
  static_configs?: { targets: string[] }[];
  relabel_configs?: RelabelConfig[];
};
export type PromConfig = Record<string, unknown> & {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
};

const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The target groups Kubernetes' role=pod discovery yields for a pod: one per container port. */
export function podTargetGroups(
  pod: FakePod,
): { targets: string[]; labels: Record<string, string> }[] {
  const common: Record<string, string> = {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    __meta_kubernetes_pod_phase: pod.phase ?? 'Running',
    __meta_kubernetes_pod_ready: 'true',
  };
  for (const [k, v] of Object.entries(pod.labels)) {
    common[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    common[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(pod.annotations)) {
    common[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
    common[`__meta_kubernetes_pod_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return pod.containers.flatMap((c) =>
    c.ports.map((p) => ({
      targets: [`${pod.ip}:${String(p.containerPort)}`],
      labels: {
        ...common,
        __meta_kubernetes_pod_container_name: c.name,
        __meta_kubernetes_pod_container_port_name: p.name ?? '',
        __meta_kubernetes_pod_container_port_number: String(p.containerPort),
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
      },
    })),
  );
}

export function loadK8sPrometheusConfig(): PromConfig {
  return parse(readText('k8s/monitoring/prometheus.yml')) as PromConfig;
}

/**
 * The k8s config made local: discovery from `pods`, global intervals shortened, `rewrite`
 * applied to each scrape config (e.g. the function's fixed port 3000), rules from `ruleFile`,
 * the `prometheus` job pointed at this Prometheus. Returns the config and its file_sd files.
 */
export function localiseConfig(opts: {
  pods: FakePod[];
  dir: string;
  promPort: number;
  ruleFile: string;
  interval: string;
  rewrite?: (sc: ScrapeConfig) => ScrapeConfig;
}): { config: PromConfig; files: Record<string, string> } {
  const config = loadK8sPrometheusConfig();
  const files: Record<string, string> = {};
  config.global = {
    ...config.global,
    scrape_interval: opts.interval,
    scrape_timeout: opts.interval,
    evaluation_interval: opts.interval,
  };
  config.rule_files = [opts.ruleFile];
  config.scrape_configs = config.scrape_configs.map((orig) => {
    const sc: ScrapeConfig = { ...(opts.rewrite ? opts.rewrite(orig) : orig) };
    if (sc.kubernetes_sd_configs) {
      const groups = sc.kubernetes_sd_configs.flatMap((sd) => {
        if (sd.role !== 'pod') return []; // no services/endpoints on this machine
        const names = sd.namespaces?.names;
        return opts.pods
          .filter((p) => !names || names.includes(p.namespace))
          .flatMap(podTargetGroups);
      });
      const file = `sd-${sc.job_name}.json`;
      files[file] = JSON.stringify(groups);
      delete sc.kubernetes_sd_configs;
      sc.file_sd_configs = [{ files: [`${opts.dir}/${file}`], refresh_interval: opts.interval }];
    }
    if (sc.job_name === 'prometheus')
      sc.static_configs = [{ targets: [`127.0.0.1:${String(opts.promPort)}`] }];
    return sc;
  });
  return { config, files };
}

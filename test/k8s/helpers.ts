// Shared helpers for the manifest tests: render kustomizations with `kubectl kustomize`
// (offline, no cluster), parse YAML, read docs/CONTRACT.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type {
  IConfigMap,
  IPodSpec,
  IPodTemplateSpec,
  IService,
  IServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import type { IFunction, IScaledObject } from './crd-types.js';
import {
  envOf,
  IMAGES,
  instructions,
  parseDockerfile as parseDockerfileText,
  type ImageName,
} from '../../scripts/lib/dockerfile.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const K8S = path.join(ROOT, 'k8s');

export type Meta = {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

/** A rendered Kubernetes object; narrow it with `as(obj, 'Kind')` before reading its spec. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [key: string]: unknown;
};

/** The interfaces of the kinds the tests read into. */
export type KindMap = {
  Deployment: IDeployment;
  Service: IService;
  ServiceAccount: IServiceAccount;
  ConfigMap: IConfigMap;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  PodDisruptionBudget: IPodDisruptionBudget;
  NetworkPolicy: INetworkPolicy;
  Function: IFunction;
  ScaledObject: IScaledObject;
};

/** The object typed as its kind's interface (kubernetes-models or ./crd-types), after checking the kind. */
export function as<K extends keyof KindMap>(
  obj: K8sObject,
  kind: K,
): KindMap[K] & { metadata: Meta } {
  if (obj.kind !== kind) throw new Error(`expected ${kind}, got ${obj.kind}/${obj.metadata.name}`);
  return obj as unknown as KindMap[K] & { metadata: Meta };
}

export function readText(rel: string): string {
  return readFileSync(path.join(ROOT, rel), 'utf8');
}

/** A YAML file of the repo, parsed (callers assert its shape). */
export function readYaml(rel: string): unknown {
  return parseYaml(readText(rel));
}

/** Every document of a multi-document YAML string, empty ones dropped. */
export function parseDocs(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0)
        throw new Error(`YAML error: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** kubectl binary: $KUBECTL or `kubectl` on PATH (its built-in kustomize renders offline). */
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

const renderCache = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` (dir relative to the repo root), parsed. Throws with stderr on failure. */
export function render(dir: string): K8sObject[] {
  const cached = renderCache.get(dir);
  if (cached) return cached;
  const r = spawnSync(KUBECTL, ['kustomize', path.join(ROOT, dir)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error)
    throw new Error(`cannot run ${KUBECTL} (needed to render kustomizations): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (${r.status}): ${r.stderr}`);
  const objs = parseDocs(r.stdout);
  renderCache.set(dir, objs);
  return objs;
}

/**
 * Every directory under k8s/ with a kustomization.yaml, relative to the repo root, split into
 * buildable ones (Kustomization) and components (kind: Component, only usable from an overlay).
 */
export function kustomizations(): { buildable: string[]; components: string[] } {
  const buildable: string[] = [];
  const components: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      const p = path.join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'kustomization.yaml' || name === 'kustomization.yml') {
        const doc = parseYaml(readFileSync(p, 'utf8')) as { kind?: string };
        (doc.kind === 'Component' ? components : buildable).push(path.relative(ROOT, abs));
      }
    }
  };
  walk(K8S);
  return { buildable: buildable.sort(), components: components.sort() };
}

/** The variants a user applies, rendered once. */
export const OVERLAYS = [
  'k8s/overlays/dev',
  'k8s/overlays/prod',
  'k8s/overlays/prod-prometheus-operator',
  'k8s/overlays/prod-keda',
  'k8s/overlays/prod-models-volume',
] as const;
export const ALL_RENDERED = [...OVERLAYS, 'k8s/base', 'k8s/monitoring'] as const;

export function byKind(objs: K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

export function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
}

/** Deployments of a rendered set, typed, with their pod template and pod spec. */
export function deployments(objs: K8sObject[]): {
  where: string;
  dep: IDeployment & { metadata: Meta };
  template: IPodTemplateSpec;
  pod: IPodSpec;
}[] {
  return byKind(objs, 'Deployment').map((o) => {
    const dep = as(o, 'Deployment');
    const template = dep.spec?.template;
    if (!template?.spec) throw new Error(`Deployment/${o.metadata.name} has no pod template`);
    return { where: `Deployment/${o.metadata.name}`, dep, template, pod: template.spec };
  });
}

/** Parse a Kubernetes CPU quantity to cores ("250m" -> 0.25, "1" -> 1). */
export function cpuCores(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

/** Parse a memory quantity to bytes ("192Mi", "1Gi", "512M", plain bytes). */
export function memBytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`bad memory quantity ${q}`);
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? (mult[m[2]] ?? NaN) : 1);
}

/** Go-style duration ("30s", "1m5s", "500ms") to milliseconds. */
export function durationMs(d: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = '';
  for (let m = re.exec(d); m; m = re.exec(d)) {
    const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? NaN);
    consumed += m[0];
  }
  if (consumed !== d || d === '') throw new Error(`bad duration ${d}`);
  return total;
}

// ---------------------------------------------------------------- docs/configuration.md

export type Component = 'detector' | 'classifier' | 'function';

export type DocumentedVariable = {
  name: string;
  /** The processes that read it (`all` in the doc = all three). */
  components: Set<Component>;
  /** Read by the OpenTelemetry SDK rather than a config parser. */
  sdk: boolean;
};

/** The variables of docs/configuration.md's Application and Tracing tables. */
export function documentedEnv(): DocumentedVariable[] {
  const out: DocumentedVariable[] = [];
  let section = '';
  for (const line of readText('docs/configuration.md').split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (section !== 'Application' && !section.startsWith('Tracing')) continue;
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Za-z][A-Za-z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const words = (cells[2] ?? '').split(/[\s,]+/).filter(Boolean);
    const all: Component[] = ['detector', 'classifier', 'function'];
    const components = new Set(words.includes('all') ? all : all.filter((c) => words.includes(c)));
    if (components.size === 0) throw new Error(`docs/configuration.md: ${name} has no component`);
    out.push({ name, components, sdk: section.startsWith('Tracing') });
  }
  return out;
}

/** Runs `parse` on `env`, returning its result and the names it looked up. */
export function parseTracking<T>(
  parse: (env: Readonly<Record<string, string | undefined>>) => T,
  env: Record<string, string>,
): { config: T; read: Set<string> } {
  const read = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  return { config: parse(proxy), read };
}

// ---------------------------------------------------------------- docs/CONTRACT.md

export type ContractComponent = { grpcPort?: number; metricsPort?: number; env: string[] };

/** Ports and images from the contract's tables and lines; env names from docs/configuration.md. */
export function contract(): {
  components: Record<'detector' | 'classifier' | 'function', ContractComponent>;
  images: Record<string, string>;
  functionName: string;
  metrics: Map<string, 'counter' | 'histogram' | 'gauge'>;
} {
  const md = readText('docs/CONTRACT.md');
  const rows = new Map<string, string[]>();
  for (const line of md.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = cells[1] ?? '';
    if (cells.length >= 5 && ['detector', 'classifier', 'function'].includes(name))
      rows.set(name, cells.slice(2));
  }
  const port = (cell: string): number | undefined => {
    const m = /^(\d+)/.exec(cell);
    return m ? Number(m[1]) : undefined;
  };
  const documented = documentedEnv();
  const comp = (name: 'detector' | 'classifier' | 'function'): ContractComponent => {
    const r = rows.get(name);
    if (!r) throw new Error(`CONTRACT.md has no row for ${name}`);
    const [grpc = '', metrics = ''] = r;
    const env = documented.filter((v) => v.components.has(name)).map((v) => v.name);
    return { grpcPort: port(grpc), metricsPort: port(metrics), env };
  };
  const detector = comp('detector');
  const classifier = comp('classifier');
  const fn = comp('function');

  const imgLine = /Images: `([^`]+)\{([^}]+)\}:([^`]+)`/.exec(md);
  const [, registry = '', names = '', tag = ''] = imgLine ?? [];
  if (!imgLine) throw new Error('CONTRACT.md: no Images line');
  const images: Record<string, string> = {};
  for (const n of names.split(',')) images[n.trim()] = `${registry}${n.trim()}:${tag}`;
  const fnName = /OpenFaaS function name: `([^`]+)`/.exec(md)?.[1];
  if (!fnName) throw new Error('CONTRACT.md: no OpenFaaS function name');

  const metrics = new Map<string, 'counter' | 'histogram' | 'gauge'>();
  for (const m of md.matchAll(/`(banana_[a-z0-9_]+)(?:\{[^`]*\})?`\s*(counter|histogram|gauge)/g)) {
    metrics.set(m[1] ?? '', m[2] as 'counter' | 'histogram' | 'gauge');
  }
  return {
    components: { detector, classifier, function: fn },
    images,
    functionName: fnName,
    metrics,
  };
}

/** Every series name the contract's metrics produce (histograms expand to _bucket/_sum/_count). */
export function contractSeriesNames(): Set<string> {
  const out = new Set<string>();
  for (const [name, type] of contract().metrics) {
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    else out.add(name);
  }
  return out;
}

export function fileExists(rel: string): boolean {
  return existsSync(path.join(ROOT, rel));
}

// ---------------------------------------------------------------- Dockerfiles

export type Dockerfile = {
  expose: number[];
  user?: string;
  env: Record<string, string>;
  copies: string[];
  froms: string[];
};

/** The final stage's EXPOSE/USER/ENV and every COPY source (without --from) of an image's Dockerfile. */
export function parseDockerfile(image: ImageName): Dockerfile {
  const { path: rel, buildArgs } = IMAGES[image];
  const { stages, final } = parseDockerfileText(readText(rel), buildArgs);
  const sources = stages
    .flatMap((stage) => [...instructions(stage, 'COPY'), ...instructions(stage, 'ADD')])
    .filter((copy) => copy.flags.from === undefined)
    .flatMap((copy) => copy.words.slice(0, -1));
  return {
    expose: instructions(final, 'EXPOSE').flatMap((e) =>
      e.words.map((port) => Number(port.split('/')[0])),
    ),
    user: instructions(final, 'USER').at(-1)?.words[0],
    env: envOf(final),
    copies: sources,
    froms: stages.map((stage) => stage.base),
  };
}

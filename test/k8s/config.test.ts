// The environment the manifests and stack.yml set is what the code reads: each component's
// own config parser accepts it, reads every variable set (a misspelt name would be ignored
// silently otherwise), and ends up on the ports the manifests and Prometheus use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IContainer } from 'kubernetes-models/v1';
import { parseFunctionConfig } from '../../function/src/config.js';
import type { Env, ModelServiceConfig } from '../../lib/config/index.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import {
  contract,
  cpuCores,
  deployments,
  documentedEnv,
  fileExists,
  parseDockerfile,
  parseTracking,
  readYaml,
  render,
} from './helpers.js';

/** Variables for the runtime rather than the app (glibc allocator). */
const RUNTIME_ENV = new Set(['MALLOC_ARENA_MAX', 'NODE_ENV', 'NODE_OPTIONS', 'UV_THREADPOOL_SIZE']);
/** Variables the OpenTelemetry SDK reads (docs/configuration.md, Tracing). */
const SDK_ENV = new Set(documentedEnv().flatMap((v) => (v.sdk ? [v.name] : [])));
/** of-watchdog settings (the function image's entrypoint, not the Node server). */
const WATCHDOG_ENV = new Set([
  'fprocess',
  'mode',
  'upstream_url',
  'ready_path',
  'exec_timeout',
  'read_timeout',
  'write_timeout',
  'max_inflight',
  'prefix_logs',
  'healthcheck_interval',
]);

/** A container's env as the kubelet resolves it (resourceFieldRef limits.cpu, divisor 1, rounds up). */
function containerEnv(c: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.resourceFieldRef;
    if (ref?.resource === 'limits.cpu')
      env[e.name] = String(
        Math.ceil(cpuCores(String(c.resources?.limits?.cpu)) / cpuCores(String(ref.divisor ?? 1))),
      );
    else if (e.value !== undefined) env[e.name] = e.value;
    else assert.fail(`${c.name}: env ${e.name} has an unsupported valueFrom`);
  }
  return env;
}

const PARSERS: Record<'detector' | 'classifier', (env: Env) => ModelServiceConfig> = {
  detector: parseDetectorConfig,
  classifier: parseClassifierConfig,
};

describe('model-service configuration', () => {
  for (const name of ['detector', 'classifier'] as const) {
    it(`${name}: defaults are the contract's ports`, () => {
      const { config } = parseTracking(PARSERS[name], {});
      assert.equal(config.grpcPort, contract().components[name].grpcPort);
      assert.equal(config.metricsPort, contract().components[name].metricsPort);
    });

    for (const dir of [
      'k8s/overlays/dev',
      'k8s/overlays/prod',
      'k8s/overlays/prod-models-volume',
    ]) {
      it(`${name} in ${dir}: the service accepts and reads every variable, ports match the container's`, () => {
        const d = deployments(render(dir)).find((x) => x.dep.metadata.name === name);
        const c = d?.pod.containers[0];
        assert.ok(c);
        const image = parseDockerfile(name).env;
        const env = { ...image, ...containerEnv(c) };
        const { config, read } = parseTracking(PARSERS[name], env);
        for (const k of Object.keys(containerEnv(c))) {
          assert.ok(
            read.has(k) || RUNTIME_ENV.has(k) || SDK_ENV.has(k),
            `${name} never reads ${k}`,
          );
        }
        const port = (n: string): number | undefined =>
          c.ports?.find((p) => p.name === n)?.containerPort;
        assert.equal(config.grpcPort, port('grpc'));
        assert.equal(config.metricsPort, port('metrics'));
        assert.equal(config.intraOpThreads, Math.ceil(cpuCores(String(c.resources?.limits?.cpu))));
        assert.ok(config.shutdownGraceMs < (d.pod.terminationGracePeriodSeconds ?? 30) * 1000);
        // the model files the image is told to load are the ones its Dockerfile copies from the
        // repo, or (models on a volume) the ones its init container seeds the volume with from there
        const files = [`${name}.onnx`, `${name}.json`];
        const mount = c.volumeMounts?.find((m) => m.mountPath === config.modelDir);
        if (mount === undefined) {
          for (const file of files) assert.ok(fileExists(`${config.modelDir}/${file}`));
          return;
        }
        assert.equal(mount.readOnly, true, 'the services only read the models volume');
        const volume = d.pod.volumes?.find((v) => v.name === mount.name);
        assert.ok(volume?.persistentVolumeClaim, 'the models volume is a PersistentVolumeClaim');
        const claim = volume.persistentVolumeClaim.claimName;
        assert.ok(
          render(dir).some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim),
        );
        const seed = d.pod.initContainers?.find((i) =>
          i.volumeMounts?.some((m) => m.name === mount.name),
        );
        assert.ok(seed, 'an init container seeds the volume');
        assert.equal(seed.image, c.image, 'seeded from the service image itself');
        const copied = files.map((file) => `/app/models/${file}`);
        for (const path of copied)
          assert.ok(seed.command?.join(' ').includes(path), `seeds ${path}`);
        assert.ok(
          seed.command?.join(' ').includes(`cp -n ${copied.join(' ')} ${config.modelDir}/`),
        );
        // ... which the image holds (WORKDIR /app, COPY to ./models/; test/docker checks the rest)
        for (const file of files)
          assert.ok(parseDockerfile(name).copies.includes(`models/${file}`));
      });
    }
  }
});

describe('function configuration (stack.yml over the image ENV)', () => {
  const stack = readYaml('stack.yml') as {
    functions: Record<string, { environment?: Record<string, unknown> }>;
  };
  const deployed = Object.fromEntries(
    Object.entries(stack.functions[contract().functionName]?.environment ?? {}).map(([k, v]) => [
      k,
      String(v),
    ]),
  );
  const image = parseDockerfile('function').env;

  it('the function accepts and reads every variable that is not the watchdog’s', () => {
    const { read } = parseTracking(parseFunctionConfig, { ...image, ...deployed });
    for (const k of Object.keys(deployed)) {
      assert.ok(
        read.has(k) || WATCHDOG_ENV.has(k) || RUNTIME_ENV.has(k) || SDK_ENV.has(k),
        `the function never reads ${k}`,
      );
    }
  });

  it('listens on all interfaces on the port Prometheus scrapes and the watchdog forwards to', () => {
    const { config } = parseTracking(parseFunctionConfig, { ...image, ...deployed });
    assert.equal(config.host, '0.0.0.0', 'Prometheus scrapes the pod IP');
    assert.equal(image.upstream_url, `http://127.0.0.1:${String(config.port)}`);
    const prom = readYaml('k8s/monitoring/prometheus.yml') as {
      scrape_configs: {
        job_name: string;
        relabel_configs?: { target_label?: string; replacement?: string }[];
      }[];
    };
    const replacement = prom.scrape_configs
      .find((s) => s.job_name === 'function')
      ?.relabel_configs?.find((r) => r.target_label === '__address__')?.replacement;
    assert.equal(replacement, `$1:${String(config.port)}`);
  });
});

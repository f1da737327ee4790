// Images, ports and users agree across CONTRACT.md, the Dockerfiles (built from the repo
// root, docs/deploy.md) and the manifests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IMAGES, type ImageName } from '../../scripts/lib/dockerfile.js';
import {
  contract,
  deployments,
  fileExists,
  parseDockerfile,
  parseDocs,
  readText,
  readYaml,
  render,
} from './helpers.js';

const C = contract();

describe('Dockerfiles', () => {
  for (const [image, { path: rel }] of Object.entries(IMAGES) as [ImageName, { path: string }][]) {
    it(`${image}: ${rel} exists and builds from the repo root (every COPY source exists)`, () => {
      assert.ok(fileExists(rel), `${rel} is missing`);
      const df = parseDockerfile(image);
      assert.ok(df.froms.length > 0);
      for (const src of df.copies) {
        if (/[*?]/.test(src)) continue;
        assert.ok(fileExists(src), `${rel}: COPY ${src} does not exist relative to the repo root`);
      }
      // onnxruntime-node is glibc-only
      assert.ok(!df.froms.some((f) => /alpine/i.test(f)), `${rel}: alpine base`);
    });
  }

  for (const name of ['detector', 'classifier'] as const) {
    it(`${name}: the Deployment's container ports are the contract's; USER is the pod's uid`, () => {
      const df = parseDockerfile(name);
      const spec = C.components[name];
      const d = deployments(render('k8s/base')).find((x) => x.dep.metadata.name === name);
      assert.ok(d);
      const c = d.pod.containers[0];
      assert.ok(c);
      assert.deepEqual(
        (c.ports ?? []).map((p) => p.containerPort).sort(),
        [spec.grpcPort, spec.metricsPort].sort(),
      );
      assert.equal(c.image, C.images[name]);
      const uid = c.securityContext?.runAsUser ?? d.pod.securityContext?.runAsUser;
      assert.ok(df.user, `${name}: the image sets no USER`);
      assert.equal(
        df.user.split(':')[0],
        String(uid),
        `${name}: image USER ${df.user} differs from runAsUser ${String(uid)}`,
      );
      for (const [k, v] of Object.entries(df.env)) {
        if (k === 'GRPC_PORT') assert.equal(v, String(spec.grpcPort));
        if (k === 'METRICS_PORT') assert.equal(v, String(spec.metricsPort));
      }
    });
  }

  it('function: the image serves the watchdog port OpenFaaS expects and the upstream port Prometheus scrapes', () => {
    const df = parseDockerfile('function');
    assert.ok(
      df.expose.includes(8080),
      `function image EXPOSE ${df.expose.join(',')} lacks the watchdog's 8080`,
    );
    const port = df.env.PORT ?? '3000';
    const upstream = df.env.upstream_url;
    if (upstream)
      assert.match(upstream, new RegExp(`:${port}/?$`), 'upstream_url and PORT disagree');
    const prom = readYaml('k8s/monitoring/prometheus.yml') as {
      scrape_configs: {
        job_name: string;
        relabel_configs?: { replacement?: string; target_label?: string }[];
      }[];
    };
    const fnJob = prom.scrape_configs.find((s) => s.job_name === 'function');
    const addr = fnJob?.relabel_configs?.find((r) => r.target_label === '__address__')?.replacement;
    assert.equal(addr, `$1:${port}`, 'Prometheus scrapes the function on another port');
    assert.ok(df.user && df.user !== 'root' && df.user !== '0', 'function image runs as root');
  });

  it('the images in stack.yml, function.yaml and the Deployments are the contract images', () => {
    const images = new Set<string>();
    for (const dir of ['k8s/overlays/dev', 'k8s/overlays/prod']) {
      for (const d of deployments(render(dir)))
        for (const c of d.pod.containers) images.add(c.image ?? '');
    }
    const cr = parseDocs(readText('k8s/openfaas/function.yaml'))[0]?.spec as
      { image?: string } | undefined;
    images.add(cr?.image ?? '');
    assert.deepEqual([...images].sort(), Object.values(C.images).sort());
  });
});

// docs/deploy.md stays true to the tree: every repo path it names exists, it builds each
// Dockerfile from the repo root, and it quotes the timeouts the manifests use.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { IMAGES } from '../../scripts/lib/dockerfile.js';
import {
  deployments,
  durationMs,
  fileExists,
  readText,
  readYaml,
  render,
  ROOT,
} from './helpers.js';
import { join } from 'node:path';

const doc = readText('docs/deploy.md');

describe('docs/deploy.md', () => {
  it('names only paths that exist', () => {
    const paths = new Set(
      [...doc.matchAll(/(?<![\w/.-])((?:k8s|services|function|docs|scripts)\/[\w./-]*[\w/])/g)].map(
        (m) => m[1] ?? '',
      ),
    );
    assert.ok(paths.size > 10);
    for (const p of paths)
      assert.ok(fileExists(p), `docs/deploy.md names ${p}, which does not exist`);
    assert.ok(fileExists('stack.yml'));
  });

  it('builds every image from the repository root with its build args', () => {
    for (const { path: df, buildArgs } of Object.values(IMAGES)) {
      const args = Object.entries(buildArgs)
        .map(([name, value]) => `--build-arg ${name}=${value} `)
        .join('');
      const command = `docker buildx build ${args}-f ${df} `;
      assert.ok(
        doc.split('\n').some((line) => line.includes(command) && line.trimEnd().endsWith(' .')),
        `docs/deploy.md has no "${command}… ." line`,
      );
    }
  });

  it('quotes the timeouts of values.yaml and stack.yml', () => {
    const v = readYaml('k8s/openfaas/values.yaml') as {
      gateway: { upstreamTimeout: string; readTimeout: string };
    };
    assert.ok(doc.includes(`gateway.upstreamTimeout=${v.gateway.upstreamTimeout}`));
    assert.ok(doc.includes(`(${String(durationMs(v.gateway.upstreamTimeout) / 1000)} s)`));
    assert.ok(doc.includes(`(${String(durationMs(v.gateway.readTimeout) / 1000)} s)`));
  });

  it("changes the images with an overlay's images field, rendered by kubectl alone", () => {
    const overlay = /```yaml\n# my-overlay\/kustomization\.yaml[^\n]*\n([\s\S]*?)```/.exec(
      doc,
    )?.[1];
    assert.ok(overlay, 'the my-overlay example');
    assert.doesNotMatch(doc, /kustomize edit/, 'no step needs the kustomize binary');
    // "a folder next to k8s/": in the repository root, as the example's path assumes.
    const dir = `.my-overlay-${process.pid}`;
    mkdirSync(join(ROOT, dir));
    try {
      writeFileSync(join(ROOT, dir, 'kustomization.yaml'), overlay);
      const images = deployments(render(dir)).map(({ dep, pod }) => [
        dep.metadata.name,
        pod.containers[0]?.image,
      ]);
      assert.deepEqual(images.sort(), [
        ['classifier', 'registry.example.com/banana/classifier:1.0.1'],
        ['detector', 'registry.example.com/banana/detector:1.0.1'],
      ]);
    } finally {
      rmSync(join(ROOT, dir), { recursive: true, force: true });
    }
  });
});

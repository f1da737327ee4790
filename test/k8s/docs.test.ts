// docs/deploy.md stays true to the tree: every repo path it names exists, it builds each
// Dockerfile from the repo root, and it quotes the timeouts the manifests use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs, fileExists, readText, readYaml } from './helpers.js';

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

  it('builds every Dockerfile from the repository root', () => {
    for (const df of [
      'services/detector/Dockerfile',
      'services/classifier/Dockerfile',
      'function/Dockerfile',
    ]) {
      assert.match(
        doc,
        new RegExp(`docker buildx build [^\\n]*-f ${df.replace(/\//g, '\\/')} [^\\n]*\\.\\n`),
        df,
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
});

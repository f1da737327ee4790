// promtool (Debian package `prometheus`) on the monitoring files: rules are valid, their
// unit tests (rules.promtool.yml) pass, and prometheus.yml is a valid configuration.
// Debian builds Prometheus without Kubernetes discovery, so the configuration is checked
// with its kubernetes_sd_configs turned into file_sd_configs (k8s-sd.ts); everything else,
// relabelling included, is checked as written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ROOT } from '../k8s/helpers.js';
import { localiseConfig } from './k8s-sd.js';
import { PROMTOOL_BIN, requireBinary } from './prometheus-server.js';

function promtool(...args: string[]): string {
  requireBinary(PROMTOOL_BIN);
  const r = spawnSync(PROMTOOL_BIN, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${out}`);
  return out;
}

describe('promtool', () => {
  it('check rules k8s/monitoring/rules.yml', () => {
    assert.match(
      promtool('check', 'rules', 'k8s/monitoring/rules.yml'),
      /SUCCESS: \d+ rules found/,
    );
  });

  it('test rules: alerts fire on errors and latency, for the right service, and stay quiet when healthy', () => {
    assert.match(promtool('test', 'rules', 'test/monitoring/rules.promtool.yml'), /SUCCESS/);
  });

  it('check config k8s/monitoring/prometheus.yml (discovery emulated)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'banana-promtool-'));
    try {
      const ruleFile = path.join(ROOT, 'k8s/monitoring/rules.yml');
      const { config, files } = localiseConfig({
        pods: [],
        dir,
        promPort: 9090,
        ruleFile,
        interval: '15s',
      });
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
      assert.match(promtool('check', 'config', path.join(dir, 'prometheus.yml')), /SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

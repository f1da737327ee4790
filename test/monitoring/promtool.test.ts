// promtool (Debian package `prometheus`) on the monitoring files: rules are valid, their
// unit tests (rules.promtool.yml) pass, prometheus.yml is a valid configuration, and the
// queries of the KEDA ScaledObjects (k8s/components/keda-autoscaling) compute what they
// promise on known series.
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
import { as, byKind, ROOT, render } from '../k8s/helpers.js';
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

describe('promtool on the KEDA triggers', () => {
  const queries = new Map(
    byKind(render('k8s/overlays/prod-keda'), 'ScaledObject').map((o) => {
      const so = as(o, 'ScaledObject');
      return [so.spec.scaleTargetRef.name, so.spec.triggers[0]?.metadata.query ?? ''];
    }),
  );

  it("each query sums this service's queued and in-flight jobs over its pods (peak of the last minute), nothing else", () => {
    assert.deepEqual([...queries.keys()].sort(), ['classifier', 'detector']);
    const dir = mkdtempSync(path.join(tmpdir(), 'banana-keda-'));
    try {
      const record = (service: string) => `keda:${service}_jobs:max1m`;
      writeFileSync(
        path.join(dir, 'keda-rules.yml'),
        stringify({
          groups: [
            {
              name: 'keda-triggers',
              rules: [...queries].map(([service, expr]) => ({ record: record(service), expr })),
            },
          ],
        }),
      );
      const series = (name: string, labels: string, values: string) => ({
        series: `${name}{namespace="banana",${labels}}`,
        values,
      });
      const tests = {
        rule_files: ['keda-rules.yml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              // detector pod a: a burst of 4 queued jobs between two polls
              series('banana_inference_queue_depth', 'service="detector",pod="a"', '0 4 0 0'),
              series('banana_inference_in_flight', 'service="detector",pod="a"', '1 1 1 1'),
              series('banana_inference_queue_depth', 'service="detector",pod="b"', '1 1 1 1'),
              series('banana_inference_in_flight', 'service="detector",pod="b"', '0 1 0 0'),
              series('banana_inference_queue_depth', 'service="classifier",pod="c"', '9 9 9 9'),
              series('banana_inference_in_flight', 'service="classifier",pod="c"', '1 1 1 1'),
              // the same service name in another namespace does not count
              {
                series:
                  'banana_inference_queue_depth{namespace="staging",service="detector",pod="s"}',
                values: '50 50 50 50',
              },
            ],
            promql_expr_test: [
              {
                expr: record('detector'),
                eval_time: '45s',
                exp_samples: [{ labels: record('detector'), value: 4 + 1 + 1 + 1 }],
              },
              {
                expr: record('classifier'),
                eval_time: '45s',
                exp_samples: [{ labels: record('classifier'), value: 9 + 1 }],
              },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'keda-tests.yml'), stringify(tests));
      assert.match(promtool('test', 'rules', path.join(dir, 'keda-tests.yml')), /SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

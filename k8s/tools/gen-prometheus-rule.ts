/**
 * Writes k8s/components/service-monitor/prometheus-rule.yaml, the Prometheus Operator
 * PrometheusRule carrying the groups of k8s/monitoring/rules.yml (comments included), so
 * that the rules are written once. `--check` writes nothing and exits 1 when the file
 * differs from what it would write (CI: `npm run check:k8s`).
 *   npm run gen:k8s
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { Document, isMap, parseDocument } from 'yaml';

const ROOT = new URL('../../', import.meta.url);
const RULES = 'k8s/monitoring/rules.yml';
const OUTPUT = 'k8s/components/service-monitor/prometheus-rule.yaml';

const HEADER = `# Generated from ${RULES} by \`npm run gen:k8s\`: edit that file, not this one.
# kube-prometheus-stack loads PrometheusRules labelled release=<its helm release>; change the
# label in an overlay (patch) if yours is not kube-prometheus-stack.
`;

/** The PrometheusRule text for the rules file's text. */
export async function prometheusRule(rulesText: string): Promise<string> {
  const rules = parseDocument(rulesText);
  if (rules.errors.length > 0) throw new Error(`${RULES}: ${rules.errors[0]?.message ?? ''}`);
  const groups = isMap(rules.contents) ? rules.contents.get('groups', true) : undefined;
  if (groups === undefined) throw new Error(`${RULES} has no groups`);
  const rule = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'banana-ripeness', labels: { release: 'kube-prometheus-stack' } },
    spec: { groups: null },
  });
  rule.setIn(['spec', 'groups'], groups);
  const yaml = HEADER + rule.toString({ lineWidth: 0 });
  const outputPath = new URL(OUTPUT, ROOT).pathname;
  return format(yaml, { ...(await resolveConfig(outputPath)), filepath: outputPath });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const fresh = await prometheusRule(readFileSync(new URL(RULES, ROOT), 'utf8'));
  if (!values.check) {
    writeFileSync(new URL(OUTPUT, ROOT), fresh);
    console.log(`wrote ${OUTPUT}`);
    return;
  }
  if (readFileSync(new URL(OUTPUT, ROOT), 'utf8') !== fresh) {
    console.error(`${OUTPUT} is stale: run 'npm run gen:k8s' and commit the result`);
    process.exitCode = 1;
    return;
  }
  console.log(`${OUTPUT} is up to date`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

/**
 * Writes k8s/components/service-monitor/prometheus-rule.yaml, the Prometheus Operator
 * PrometheusRule carrying the groups of k8s/monitoring/rules.yml (comments included), so
 * that the rules are written once. `--check` writes nothing and exits 1 when the file
 * differs from what it would write (CI: `npm run check:k8s`).
 *   npm run gen:k8s
 */
import { fileURLToPath } from 'node:url';
import { ROOT, writeOrCheck } from '../../scripts/lib/generated-file.js';
import { format, resolveConfig } from 'prettier';
import { Document, isMap, parseDocument } from 'yaml';

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

if (process.argv[1] === fileURLToPath(import.meta.url))
  await writeOrCheck(RULES, OUTPUT, prometheusRule);

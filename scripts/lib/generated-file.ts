/**
 * The one way a generated file is written (k8s/tools, scripts/gen-web): from its source, or
 * with `--check` compared with what it would write (CI: `npm run check:k8s`, `check:web`),
 * exit status 1 when stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const ROOT = new URL('../../', import.meta.url);

/**
 * Writes `output` (repository-relative) with `make(source text)`, or checks it with --check;
 * `command` is what regenerates it.
 */
export async function writeOrCheck(
  source: string,
  output: string,
  make: (sourceText: string) => Promise<string>,
  command = 'npm run gen:k8s',
): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const fresh = await make(readFileSync(new URL(source, ROOT), 'utf8'));
  if (!values.check) {
    writeFileSync(new URL(output, ROOT), fresh);
    console.log(`wrote ${output}`);
    return;
  }
  if (readFileSync(new URL(output, ROOT), 'utf8') !== fresh) {
    console.error(`${output} is stale: run '${command}' and commit the result`);
    process.exitCode = 1;
    return;
  }
  console.log(`${output} is up to date`);
}

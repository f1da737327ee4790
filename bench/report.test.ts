import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { format, resolveConfig } from 'prettier';
import { REPO_ROOT } from '../scripts/lib/repo-root.js';

const DOC = `${REPO_ROOT}docs/performance.md`;

describe('bench:report', () => {
  it('docs/performance.md holds the tables of the saved bench/results (run npm run bench:report -- --write)', async () => {
    const markdown = execFileSync(process.execPath, ['--import', 'tsx', 'bench/report.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const expected = await format(markdown, { parser: 'markdown', ...(await resolveConfig(DOC)) });
    const doc = readFileSync(DOC, 'utf8');
    const section = doc
      .slice(
        doc.indexOf('-->', doc.indexOf('bench:results:start')) + 3,
        doc.indexOf('<!-- bench:results:end'),
      )
      .trim();
    for (const heading of ['floor', 'end-to-end', 'batching', 'cold start', 'memory', 'event loop'])
      assert.match(section, new RegExp(`^### ${heading}`, 'm'));
    assert.equal(section, expected.trim());
  });
});

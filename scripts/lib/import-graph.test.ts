import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { REPO_ROOT } from './repo-root.js';
import { findCycles, importGraph } from './import-graph.js';

describe('import cycles', () => {
  it('finds a cycle and only the cycle', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
    ]);
    assert.deepEqual(findCycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
    assert.deepEqual(
      findCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
      [],
    );
  });

  it('the repository has none', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((file) => /\.(ts|js)$/.test(file) && !file.startsWith('lib/gen/'));
    const cycles = findCycles(importGraph(REPO_ROOT, files));
    assert.deepEqual(
      cycles.map((cycle) => cycle.join(' -> ')),
      [],
      'modules that import themselves through others',
    );
  });
});

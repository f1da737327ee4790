import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { functionSpans, longFunctions } from './function-length.js';
import { REPO_ROOT } from './repo-root.js';

const MAX_LINES = 80;

describe('function length', () => {
  it('measures declarations, methods and arrow functions by the lines they span', () => {
    const text = [
      'export function a() {',
      '  const b = () => {',
      '    return 1;',
      '  };',
      '  return b();',
      '}',
      'class C { m() { return 2; } }',
    ].join('\n');
    assert.deepEqual(functionSpans('x.ts', text), [
      { where: 'x.ts:1 a', lines: 6 },
      { where: 'x.ts:2 b', lines: 3 },
      { where: 'x.ts:7 m', lines: 1 },
    ]);
  });

  it(`no function outside the tests runs over ${MAX_LINES} lines`, () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(
        (file) =>
          /\.(ts|js)$/.test(file) &&
          !/\.test\.ts$/.test(file) &&
          !file.startsWith('test/') &&
          !file.startsWith('lib/gen/') &&
          !file.startsWith('web/gen/'),
      );
    assert.deepEqual(
      longFunctions(REPO_ROOT, files, MAX_LINES).map(
        (span) => `${span.where} (${span.lines} lines)`,
      ),
      [],
    );
  });
});

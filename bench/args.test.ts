import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli } from '../scripts/lib/cli.js';
import { benchUsage, parseBenchArgs } from './args.js';

const BENCHMARKS = ['floor', 'e2e', 'memory'];
const USAGE = benchUsage(BENCHMARKS);
const decide = (argv: string[]) => decideCli(USAGE, argv, (a) => parseBenchArgs(a, BENCHMARKS));

describe('parseBenchArgs', () => {
  it('runs every benchmark by default', () => {
    assert.deepEqual(parseBenchArgs([], BENCHMARKS), {
      names: BENCHMARKS,
      quick: false,
      threads: undefined,
      transport: 'unix',
    });
  });
  it('reads names (all expands, repeats dropped), --quick and --threads', () => {
    assert.deepEqual(
      parseBenchArgs(['memory', 'all', '--quick', '--threads=2', '--transport=tcp'], BENCHMARKS),
      { names: ['memory', 'floor', 'e2e'], quick: true, threads: 2, transport: 'tcp' },
    );
  });
  it('exits 2 with the usage on an unknown benchmark, flag or bad thread count', () => {
    for (const [argv, message] of [
      [['floorz'], 'unknown benchmark "floorz"'],
      [['--fast'], "Unknown option '--fast'"],
      [['--threads', '0'], '--threads needs a whole number from 1 to 256, got 0'],
      [['--transport', 'udp'], '--transport takes unix or tcp, got "udp"'],
    ] as const) {
      const outcome = decide([...argv]);
      assert.equal(outcome.exitCode, 2);
      assert.ok(outcome.message?.startsWith(message), outcome.message);
      assert.ok(outcome.message?.endsWith(USAGE));
    }
  });
  it('--help prints the usage and exits 0', () => {
    assert.deepEqual(decide(['e2e', '--help']), { exitCode: 0, message: USAGE });
  });
});

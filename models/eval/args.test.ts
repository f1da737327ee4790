import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli } from '../../scripts/lib/cli.js';
import { EVAL_USAGE, parseEvalArgs } from './args.js';

const ENV = { INIT_CWD: '/work/me' };
const parse = (argv: string[]) => parseEvalArgs(argv, ENV, '/repo/data');

describe('parseEvalArgs', () => {
  it('has defaults', () => {
    assert.deepEqual(parse([]), {
      data: '/repo/data',
      model: 'both',
      check: false,
      tolerance: '0.01',
      json: undefined,
      negatives: undefined,
      realworld: undefined,
      'update-cards': false,
    });
  });
  it('takes --realworld, or $BANANA_REALWORLD_DIR when the flag is absent', () => {
    assert.equal(parse(['--realworld', 'rw']).realworld, '/work/me/rw');
    const env = { ...ENV, BANANA_REALWORLD_DIR: '/data/rw' };
    assert.equal(parseEvalArgs([], env, '/repo/data').realworld, '/data/rw');
    assert.equal(parseEvalArgs(['--realworld', '/x'], env, '/repo/data').realworld, '/x');
  });
  it('resolves --data and --json from where npm was run', () => {
    assert.deepEqual(
      parse([
        '--data',
        'ds',
        '--json=out/m.json',
        '--model',
        'detector',
        '--check',
        '--tolerance',
        '0.02',
        '--negatives',
        '/data/neg',
      ]),
      {
        data: '/work/me/ds',
        model: 'detector',
        check: true,
        tolerance: '0.02',
        json: '/work/me/out/m.json',
        negatives: '/data/neg',
        realworld: undefined,
        'update-cards': false,
      },
    );
  });
  it('exits 2 with the usage on mistakes, 0 with it on --help', () => {
    for (const [argv, message] of [
      [['--model', 'yolo'], '--model must be detector, classifier or both, got yolo'],
      [['--tolerance', 'x'], '--tolerance needs a number from 0 to 1, got x'],
      [['--checkk'], "Unknown option '--checkk'"],
      [['data'], "Unexpected argument 'data'"],
    ] as const) {
      const outcome = decideCli(EVAL_USAGE, [...argv], parse);
      assert.equal(outcome.exitCode, 2);
      assert.ok(outcome.message?.startsWith(message), outcome.message);
    }
    assert.deepEqual(decideCli(EVAL_USAGE, ['--help'], parse), {
      exitCode: 0,
      message: EVAL_USAGE,
    });
  });
});

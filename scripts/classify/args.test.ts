import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli } from '../lib/cli.js';
import { CLASSIFY_USAGE, parseClassifyArgs } from './args.js';

const ENV = { INIT_CWD: '/home/me/photos' };
const decide = (argv: string[]) =>
  decideCli(CLASSIFY_USAGE, argv, (a) => parseClassifyArgs(a, ENV));

describe('parseClassifyArgs', () => {
  it('reads one photo and its options; relative paths from where npm was run', () => {
    assert.deepEqual(
      parseClassifyArgs(
        ['a.jpg', '-o', 'b.jpg', '--url=http://h:1/', '--min-confidence', '0.5', '--json'],
        ENV,
      ),
      {
        inputs: ['/home/me/photos/a.jpg'],
        output: '/home/me/photos/b.jpg',
        out: undefined,
        url: 'http://h:1',
        minConfidence: '0.5',
        json: true,
        concurrency: 4,
      },
    );
  });
  it('reads a batch: folders and files, --out, --concurrency; absolute paths stay', () => {
    assert.deepEqual(
      parseClassifyArgs(['shelf/', '/tmp/x.png', '--out', 'r.CSV', '--concurrency', '8'], ENV),
      {
        inputs: ['/home/me/photos/shelf', '/tmp/x.png'],
        output: undefined,
        out: '/home/me/photos/r.CSV',
        url: 'http://localhost:8080',
        minConfidence: undefined,
        json: false,
        concurrency: 8,
      },
    );
  });
  it('takes the URL from BANANA_URL and falls back to the working directory without INIT_CWD', () => {
    const args = parseClassifyArgs(['a.jpg'], { BANANA_URL: 'http://x:2' });
    assert.equal(args.url, 'http://x:2');
    assert.equal(args.inputs[0], `${process.cwd()}/a.jpg`);
  });
  it('rejects mistakes with exit 2 and the usage', () => {
    for (const [argv, message] of [
      [[], 'which photo? give its path (or a folder)'],
      [['a.jpg', 'b.jpg', '-o', 'c.jpg'], '-o/--output saves one annotated photo'],
      [['a.jpg', '--fast'], "Unknown option '--fast'"],
      [['a.jpg', '-o'], "Option '-o, --output <value>' argument missing"],
      [['d/', '--out', 'r.txt'], '--out needs a .csv or .jsonl file, got r.txt'],
      [['d/', '--concurrency', '0'], '--concurrency needs a whole number from 1 to 64, got 0'],
    ] as const) {
      const outcome = decide([...argv]);
      assert.equal(outcome.exitCode, 2, argv.join(' '));
      assert.ok(outcome.message?.startsWith(message), `${argv.join(' ')}: ${outcome.message}`);
      assert.ok(outcome.message?.endsWith(CLASSIFY_USAGE));
    }
  });
  it('--help prints the usage and exits 0', () => {
    assert.deepEqual(decide(['-h']), { exitCode: 0, message: CLASSIFY_USAGE });
    assert.deepEqual(decide(['a.jpg', '--help']), { exitCode: 0, message: CLASSIFY_USAGE });
  });
  it('a photo named like a flag can follow --', () => {
    assert.deepEqual(parseClassifyArgs(['--', '--help.jpg'], ENV).inputs, [
      '/home/me/photos/--help.jpg',
    ]);
  });
});

describe('parseClassifyArgs --key', () => {
  it('takes the API key from --key, else from BANANA_API_KEY; none when neither is set', () => {
    assert.equal(parseClassifyArgs(['a.jpg', '--key', 'k1'], ENV).apiKey, 'k1');
    assert.equal(
      parseClassifyArgs(['a.jpg', '--key', 'k1'], { ...ENV, BANANA_API_KEY: 'k2' }).apiKey,
      'k1',
    );
    assert.equal(parseClassifyArgs(['a.jpg'], { ...ENV, BANANA_API_KEY: 'k2' }).apiKey, 'k2');
    assert.equal('apiKey' in parseClassifyArgs(['a.jpg'], ENV), false);
  });
});

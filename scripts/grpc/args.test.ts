import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCli } from '../lib/cli.js';
import { GRPC_USAGE, parseGrpcArgs } from './args.js';

const ENV = { INIT_CWD: '/home/me' };
const parse = (argv: string[]) => parseGrpcArgs(argv, ENV);

describe('parseGrpcArgs', () => {
  it('reads each command with its default address', () => {
    assert.deepEqual(parse(['list']), {
      command: 'list',
      addr: '127.0.0.1:50051',
      deadlineMs: 10_000,
    });
    assert.deepEqual(parse(['health', 'banana.v1.Detector', '--addr', 'h:1']), {
      command: 'health',
      addr: 'h:1',
      deadlineMs: 10_000,
      service: 'banana.v1.Detector',
    });
    assert.deepEqual(parse(['detect', 'p.jpg', '--min-confidence', '0.4', '--deadline-ms=500']), {
      command: 'detect',
      addr: '127.0.0.1:50051',
      deadlineMs: 500,
      photo: '/home/me/p.jpg',
      minConfidence: 0.4,
    });
    assert.deepEqual(parse(['classify', 'a.png', '/tmp/b.jpg']), {
      command: 'classify',
      addr: '127.0.0.1:50052',
      deadlineMs: 10_000,
      crops: ['/home/me/a.png', '/tmp/b.jpg'],
    });
  });
  it('exits 2 with the usage on mistakes, 0 with it on --help', () => {
    for (const [argv, message] of [
      [[], 'which command? list, health, detect or classify'],
      [['ls'], 'unknown command "ls"'],
      [['detect'], 'detect: which photo? give its path'],
      [['detect', 'a.jpg', 'b.jpg'], 'detect: unexpected b.jpg'],
      [['classify'], 'classify: which crops? give their paths'],
      [['list', '--min-confidence', '0.5'], '--min-confidence applies to detect only'],
      [
        ['detect', 'a.jpg', '--min-confidence', '2'],
        '--min-confidence needs a number from 0 to 1, got 2',
      ],
      [['list', '--port', '1'], "Unknown option '--port'"],
    ] as const) {
      const outcome = decideCli(GRPC_USAGE, [...argv], parse);
      assert.equal(outcome.exitCode, 2, argv.join(' '));
      assert.ok(outcome.message?.startsWith(message), `${argv.join(' ')}: ${outcome.message}`);
    }
    assert.deepEqual(decideCli(GRPC_USAGE, ['detect', '-h'], parse), {
      exitCode: 0,
      message: GRPC_USAGE,
    });
  });
});

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
  it('reads the Open Inference Protocol verbs: the model picks the default address', () => {
    assert.deepEqual(parse(['metadata']), {
      command: 'metadata',
      model: 'banana-detector',
      addr: '127.0.0.1:50051',
      deadlineMs: 10_000,
    });
    assert.deepEqual(
      parse([
        'infer',
        'p.jpg',
        '--output',
        'detections',
        '--param',
        'confidence=0.5',
        '--param',
        'max_detections=3',
        '--param',
        'note=x=y',
      ]),
      {
        command: 'infer',
        model: 'banana-detector',
        images: ['/home/me/p.jpg'],
        outputs: ['detections'],
        parameters: { confidence: 0.5, max_detections: 3, note: 'x=y' },
        addr: '127.0.0.1:50051',
        deadlineMs: 10_000,
      },
    );
    assert.deepEqual(parse(['infer', 'a.png', 'b.png', '--model', 'banana-ripeness-classifier']), {
      command: 'infer',
      model: 'banana-ripeness-classifier',
      images: ['/home/me/a.png', '/home/me/b.png'],
      outputs: [],
      parameters: {},
      addr: '127.0.0.1:50052',
      deadlineMs: 10_000,
    });
  });
  it('exits 2 with the usage on mistakes, 0 with it on --help', () => {
    for (const [argv, message] of [
      [[], 'which command? list, health, detect, classify, metadata or infer'],
      [['infer'], 'infer: which images? give their paths'],
      [['infer', 'a.jpg', '--param', 'confidence'], '--param needs KEY=VALUE, got confidence'],
      [['metadata', 'x'], 'metadata: unexpected x'],
      [['metadata', '--output', 'head'], '--output and --param apply to infer'],
      [['detect', 'a.jpg', '--model', 'm'], '--model applies to metadata and infer only'],
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

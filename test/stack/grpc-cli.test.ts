// `npm run grpc` and the README's TypeScript snippet, against the real services of a local stack.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { repoPath } from '../support/paths.js';
import { runCli } from '../support/run-cli.js';
import { useLocalStack } from './stack-fixture.js';

const CLI = 'scripts/grpc/main.ts';
const stack = useLocalStack();
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grpc-cli-'));
  await writeFile(
    join(dir, 'photo.jpg'),
    await syntheticBananaPhoto({ width: 640, height: 480, bananas: 2 }),
  );
  await writeFile(
    join(dir, 'crop.png'),
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#e2c428' } })
      .png()
      .toBuffer(),
  );
  await writeFile(join(dir, 'not-a-photo.jpg'), 'text');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const grpc = (args: string[]) => runCli(CLI, args, { initCwd: dir });
const json = (text: string): unknown => JSON.parse(text);
const detector = () => stack().detectors[0]?.grpcAddress ?? '';
const classifier = () => stack().classifiers[0]?.grpcAddress ?? '';

describe('npm run grpc', () => {
  it('list: the services, by reflection', async () => {
    const result = await grpc(['list', '--addr', detector()]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(json(result.stdout), [
      'banana.v1.Detector',
      'grpc.health.v1.Health',
      'inference.GRPCInferenceService',
    ]);
  });

  it('metadata and infer: the Open Inference Protocol, detector and classifier', async () => {
    const metadata = await grpc(['metadata', '--addr', detector()]);
    assert.equal(metadata.code, 0, metadata.stderr);
    assert.deepEqual((json(metadata.stdout) as { inputs: unknown[] }).inputs, [
      { name: 'images', datatype: 'UINT8', shape: [-1, 320, 320, 3] },
    ]);
    const boxes = await grpc([
      'infer',
      'photo.jpg',
      '--output',
      'detections',
      '--param',
      'confidence=0',
      '--param',
      'max_detections=2',
      '--addr',
      detector(),
    ]);
    assert.equal(boxes.code, 0, boxes.stderr);
    const answer = json(boxes.stdout) as {
      outputs: { name: string; shape: number[]; data: number[][] }[];
    };
    const [output] = answer.outputs;
    assert.ok(output);
    assert.equal(output.name, 'detections');
    assert.deepEqual(output.shape, [2, 6]);
    assert.equal(output.data[0]?.length, 6);
    const crops = await grpc([
      'infer',
      'crop.png',
      'photo.jpg',
      '--model',
      'banana-ripeness-classifier',
      '--addr',
      classifier(),
    ]);
    assert.equal(crops.code, 0, crops.stderr);
    const logits = json(crops.stdout) as { outputs: { name: string; shape: number[] }[] };
    assert.deepEqual(logits.outputs[0], { ...logits.outputs[0], name: 'logits', shape: [2, 6] });
    const wrong = await grpc(['infer', 'photo.jpg', '--model', 'resnet', '--addr', detector()]);
    assert.equal(wrong.code, 1);
    assert.equal((json(wrong.stderr) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('infer --rest: the same tensors over the Open Inference REST API as over gRPC', async () => {
    const args = ['infer', 'photo.jpg', '--output', 'detections', '--param', 'confidence=0'];
    const overGrpc = await grpc([...args, '--addr', detector()]);
    const rest = stack().detectors[0]?.metricsUrl.replace(/\/metrics$/, '') ?? '';
    const overRest = await grpc([...args, '--rest', rest]);
    assert.equal(overRest.code, 0, overRest.stderr);
    assert.deepEqual(json(overRest.stdout), json(overGrpc.stdout));
    const metadata = await grpc(['metadata', '--rest', rest]);
    assert.deepEqual((json(metadata.stdout) as { inputs: unknown[] }).inputs, [
      { name: 'images', datatype: 'UINT8', shape: [-1, 320, 320, 3] },
    ]);
    const wrong = await grpc(['infer', 'photo.jpg', '--model', 'resnet', '--rest', rest]);
    assert.equal(wrong.code, 1);
    assert.match(
      (json(wrong.stderr) as { error: { message: string } }).error.message,
      /^HTTP 404: /,
    );
  });

  it('health: the server and a named service', async () => {
    const server = await grpc(['health', '--addr', detector()]);
    assert.equal(server.code, 0, server.stderr);
    assert.deepEqual(json(server.stdout), { service: '', status: 'SERVING' });
    const named = await grpc(['health', 'banana.v1.Classifier', '--addr', classifier()]);
    assert.deepEqual(json(named.stdout), { service: 'banana.v1.Classifier', status: 'SERVING' });
    const unknown = await grpc(['health', 'banana.v1.Nothing', '--addr', classifier()]);
    assert.equal(unknown.code, 1);
    assert.equal((json(unknown.stderr) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('detect: a photo (path relative to where npm was run)', async () => {
    const result = await grpc([
      'detect',
      'photo.jpg',
      '--min-confidence',
      '0',
      '--addr',
      detector(),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const answer = json(result.stdout) as {
      detections: { box: { xMin: number }; confidence: number; label: string }[];
      imageSize: unknown;
      model: { name: string };
    };
    assert.deepEqual(answer.imageSize, { width: 640, height: 480 });
    assert.equal(answer.model.name, 'banana-detector');
    assert.ok(answer.detections.length > 0, 'min_confidence 0 lets candidates through');
    assert.ok(answer.detections.every((d) => d.label === 'banana' && d.confidence >= 0));
  });

  it('classify: crops, one result each', async () => {
    const result = await grpc(['classify', 'crop.png', 'photo.jpg', '--addr', classifier()]);
    assert.equal(result.code, 0, result.stderr);
    const answer = json(result.stdout) as {
      results: { stage: string; probabilities: number[] }[];
      classes: string[];
    };
    assert.equal(answer.results.length, 2);
    for (const r of answer.results) {
      assert.ok(answer.classes.includes(r.stage));
      assert.equal(r.probabilities.length, answer.classes.length);
    }
  });

  it('a refused call prints the status as JSON and exits 1', async () => {
    const result = await grpc(['detect', 'not-a-photo.jpg', '--addr', detector()]);
    assert.equal(result.code, 1);
    const { error } = json(result.stderr) as { error: { code: string; message: string } };
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.ok(error.message.length > 0);
  });
});

describe("the README's TypeScript snippet", () => {
  it('runs as written against a real detector', async () => {
    const readme = await readFile(repoPath('README.md'), 'utf8');
    const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.equal(snippets.length, 1, 'one TypeScript snippet in the README');
    // As the README says: saved in the repository root, run with tsx, the photo as argument.
    const file = repoPath(`.readme-snippet-${process.pid}.ts`);
    await writeFile(file, snippets[0] ?? '');
    try {
      const result = await runCli(file, [join(dir, 'photo.jpg')], {
        env: { DETECTOR_ADDR: detector() },
      });
      assert.equal(result.code, 0, result.stderr);
      const printed = json(result.stdout) as {
        bananas: number;
        imageSize: unknown;
        model: { name: string };
      };
      assert.equal(typeof printed.bananas, 'number');
      assert.deepEqual(printed.imageSize, { width: 640, height: 480 });
      assert.equal(printed.model.name, 'banana-detector');
    } finally {
      await rm(file, { force: true });
    }
  });
});

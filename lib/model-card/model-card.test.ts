import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { repoPath } from '../../test/support/paths.js';
import { loadClassifierCard, loadDetectorCard } from './load.js';
import { ModelCardError } from './model-card-error.js';
import sharp from 'sharp';
import { parseClassifierCard, parseDetectorCard, RESIZE_KERNELS } from './parse.js';

type Json = Record<string, unknown>;

async function readCard(name: string): Promise<Json> {
  return JSON.parse(await readFile(repoPath(`models/${name}.json`), 'utf8')) as Json;
}

/** A deep copy of `card` with the value at a dotted path replaced (undefined deletes it). */
function withField(card: Json, path: string, value: unknown): Json {
  const copy = structuredClone(card);
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

function cardError(pattern: RegExp) {
  return (error: unknown) => error instanceof ModelCardError && pattern.test(error.message);
}

describe('model cards in models/', () => {
  it('load and validate', async () => {
    const detector = await loadDetectorCard(repoPath('models/detector.json'));
    assert.equal(detector.label, 'banana');
    assert.ok(detector.output.levels.length > 0);
    const classifier = await loadClassifierCard(repoPath('models/classifier.json'));
    assert.equal(classifier.classes.length, classifier.classLabels.length);
  });

  it('a missing file is a ModelCardError naming the path', async () => {
    await assert.rejects(
      loadDetectorCard('/nonexistent/detector.json'),
      cardError(/\/nonexistent\/detector.json: cannot be read/),
    );
  });
});

describe('parseDetectorCard', () => {
  it('maps the JSON fields', async () => {
    const card = parseDetectorCard(
      withField(
        withField(await readCard('detector'), 'output.levels', [
          { stride: 8, grid_width: 4, grid_height: 2 },
        ]),
        'thresholds',
        { confidence: 0.3, iou: 0.45, max_detections: 7 },
      ),
    );
    assert.deepEqual(card.output.levels, [{ stride: 8, gridWidth: 4, gridHeight: 2 }]);
    assert.deepEqual(card.thresholds, {
      confidence: 0.3,
      iou: 0.45,
      maxDetections: 7,
      source: 'model card',
    });
  });

  it('names the offending field', async () => {
    const json = await readCard('detector');
    const cases: [string, unknown, RegExp][] = [
      ['input.width', undefined, /input.width is missing/],
      ['input.width', 0, /input.width must be a positive integer/],
      ['input.resize.kernel', 'bicubic-ish', /input.resize.kernel must be one of .*linear/],
      ['input.resize.mode', 'stretch', /input.resize.mode must be one of letterbox/],
      ['input.resize.pad_value', [114, 114], /input.resize.pad_value must be 3 numbers/],
      ['input.normalization.std', [1, 0, 1], /input.normalization.std must be 3 numbers/],
      ['input.dtype', 'float32', /input.dtype must be one of uint8/],
      ['input.layout', 'NCHW', /input.layout must be one of NHWC/],
      ['input.batch', 'fixed', /input.batch must be one of dynamic/],
      ['input.normalization.applied', undefined, /input.normalization.applied is missing/],
      ['output.row', ['x', 'y', 'w', 'h', 'obj'], /output.row must be/],
      ['output.levels', [], /output.levels must list at least one level/],
      ['classes', ['banana', 'apple'], /classes must hold exactly one class/],
      ['thresholds.iou', 1.5, /thresholds.iou must be a number in \[0, 1\]/],
    ];
    for (const [path, value, pattern] of cases) {
      assert.throws(
        () => parseDetectorCard(withField(json, path, value), 'det.json'),
        cardError(pattern),
        path,
      );
    }
  });
});

describe('parseClassifierCard', () => {
  it('checks classes against the output shape and labels', async () => {
    const json = await readCard('classifier');
    assert.throws(
      () => parseClassifierCard(withField(json, 'output.shape', ['N', 5])),
      cardError(/output.shape must be \["N", 6\]/),
    );
    assert.throws(
      () => parseClassifierCard(withField(json, 'class_labels', ['a'])),
      cardError(/class_labels must have one label per class/),
    );
    assert.throws(
      () => parseClassifierCard(withField(json, 'input.crop.margin', 0.1)),
      cardError(/crop margins are not implemented/),
    );
  });
});

describe('RESIZE_KERNELS', () => {
  it("lists exactly sharp's kernels", () => {
    assert.deepEqual([...RESIZE_KERNELS].sort(), Object.keys(sharp.kernel).sort());
  });
});

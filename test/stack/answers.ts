/** Checks shared by the stack tests: the shape of a classify answer, never what the model found. */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { ClassifyResponseBody } from '../../function/src/answer.js';

export type Answer = ClassifyResponseBody;

export interface PostResult {
  status: number;
  body: Answer & { error?: { code: string; message: string } };
  headers: Headers;
}

export async function post(url: string, init: RequestInit): Promise<PostResult> {
  const response = await fetch(url, { method: 'POST', ...init });
  const text = await response.text();
  let body: PostResult['body'];
  try {
    body = JSON.parse(text) as PostResult['body'];
  } catch {
    throw new Error(`HTTP ${response.status}: not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body, headers: response.headers };
}

export function assertError(
  result: PostResult,
  status: number,
  code: string,
  message?: RegExp,
): void {
  assert.equal(result.status, status, JSON.stringify(result.body));
  const { error } = result.body;
  assert.ok(error, 'no error object');
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.doesNotMatch(error.message, /\n\s+at /, 'a stack trace leaked');
  if (message) assert.match(error.message, message);
}

/** Boxes inside the image, one probability per stage summing to 1, a summary that adds up. */
export async function assertWellFormed(
  answer: Answer,
  size: { width: number; height: number },
): Promise<void> {
  assert.deepEqual(answer.image, size);
  const stages = answer.stages.map((s) => s.name);
  assert.equal(stages.length, 6, `stages: ${stages.join(', ')}`);
  assert.deepEqual(Object.keys(answer.summary).sort(), [...stages].sort());
  const total = Object.values(answer.summary).reduce((sum, n) => sum + n, 0);
  assert.equal(total, answer.detections.length);
  for (const d of answer.detections) {
    const { x_min, y_min, x_max, y_max } = d.box;
    assert.ok(0 <= x_min && x_min < x_max && x_max <= size.width, `box x ${x_min}..${x_max}`);
    assert.ok(0 <= y_min && y_min < y_max && y_max <= size.height, `box y ${y_min}..${y_max}`);
    assert.ok(d.confidence >= 0 && d.confidence <= 1);
    assert.ok(stages.includes(d.stage));
    assert.deepEqual(Object.keys(d.probabilities), stages);
    const sum = Object.values(d.probabilities).reduce((s, p) => s + p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities sum to ${sum}`);
    assert.equal(d.stage_confidence, Math.max(...Object.values(d.probabilities)));
    // The ripeness index is the expected stage under the probabilities, in ripening order.
    const expected = stages.reduce((sum, stage, k) => sum + k * (d.probabilities[stage] ?? 0), 0);
    assert.ok(
      Math.abs(d.ripeness_index - expected) <= 0.01,
      `ripeness_index ${d.ripeness_index}, expected stage ${expected}`,
    );
  }
  for (const model of [answer.models.detector, answer.models.classifier]) {
    assert.ok(model.name.length > 0 && model.version.length > 0);
  }
  for (const stage of ['parse', 'detect', 'classify', 'total'] as const) {
    assert.equal(typeof answer.timings_ms[stage], 'number', `timings_ms.${stage}`);
  }
  if (answer.img !== undefined) {
    const metadata = await sharp(Buffer.from(answer.img, 'base64')).metadata();
    assert.equal(metadata.format, 'jpeg');
    assert.deepEqual({ width: metadata.width, height: metadata.height }, size);
  }
}

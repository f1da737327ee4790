/**
 * The shipped models take uint8 pixels and normalise inside the graph. models/parity/fixture.json
 * holds what each shipped model's float32-input export returned for the same pixels normalised
 * per pixel in JavaScript, one image per run: the same weights, without the uint8 input that
 * models/training/add_uint8_input.py prepends. For the detector that export is the model of git
 * history before the conversion; for a retrained model it is the `--float-out` file that
 * models/training/export_onnx.py writes next to the shipped model, and
 * models/parity/write-fixture.ts regenerates that model's entry whenever the weights change.
 * Here the same pixels go through the real worker path (placement on the model input, padding,
 * one batched uint8 tensor) and must give those outputs.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parityCases } from '../../models/parity/cases.js';
import { loadClassifierCard, loadDetectorCard } from '../model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { paddingTensor } from '../vision/tensor.js';
import { startInferencePool } from './inference-pool.js';
import { packPixelBatch } from './messages.js';

/**
 * Float32 arithmetic in the graph (Mul, Sub, Div) against float64 arithmetic rounded once in
 * the old JavaScript path: inputs differ by about 1 ulp, outputs (logits up to ~16 in size) by
 * about 1e-5.
 */
const TOLERANCE = 1e-4;

interface Fixture {
  detector: { dims: number[]; outputs: string[] };
  classifier: { dims: number[]; outputs: string[] };
}

function float32s(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

const fixture = JSON.parse(
  await readFile(repoPath('models/parity/fixture.json'), 'utf8'),
) as Fixture;
const cards = {
  detector: await loadDetectorCard(repoPath('models/detector.json')),
  classifier: await loadClassifierCard(repoPath('models/classifier.json')),
};

describe('uint8 graph input against the float export of the same weights', () => {
  for (const { model, items } of parityCases()) {
    it(`${model}: a batch of ${items.length} placed images gives the float model's outputs within ${TOLERANCE}`, async () => {
      const card = cards[model];
      const pool = await startInferencePool({
        modelPath: repoPath(`models/${model}.onnx`),
        inputName: card.input.name,
        outputName: card.output.name,
        intraOpThreads: 1,
        workers: 1,
        maxQueue: 0,
        maxBatch: 64,
        maxBatchDelayMs: 0,
        warmUpInput: paddingTensor(card.input),
        imageInput: card.input,
      });
      try {
        const result = await pool.run(packPixelBatch(items));
        const expected = fixture[model];
        assert.equal(expected.outputs.length, items.length);
        assert.deepEqual(result.output.dims, [items.length, ...expected.dims.slice(1)]);
        const perImage = result.output.data.length / items.length;
        let worst = 0;
        expected.outputs.forEach((encoded, n) => {
          const want = float32s(encoded);
          assert.equal(want.length, perImage);
          const got = result.output.data.subarray(n * perImage, (n + 1) * perImage);
          want.forEach((value, i) => {
            worst = Math.max(worst, Math.abs((got[i] as number) - value));
          });
        });
        assert.ok(worst <= TOLERANCE, `largest difference ${worst}`);
      } finally {
        await pool.close();
      }
    });
  }
});

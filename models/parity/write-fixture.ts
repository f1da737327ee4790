/**
 * Writes models/parity/fixture.json: the outputs of the float32-input models (the models
 * before models/training/add_uint8_input.py prepended the uint8 input) on parityCases(), with
 * the input normalised as the serving code did then, per pixel, in float64 rounded to float32:
 * x = (pixel * scale - mean[c]) / std[c], NCHW, padding normalised the same way.
 * lib/inference/uint8-parity.test.ts checks the shipped uint8-input models against it.
 *
 *   tsx models/parity/write-fixture.ts <float detector.onnx> <float classifier.onnx>
 *
 * The float models are the ones of git history before the conversion, e.g.
 * `git show 42f72cc:models/detector.onnx > /tmp/detector-float.onnx`.
 */
import { writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  loadClassifierCard,
  loadDetectorCard,
  type ImageInputSpec,
} from '../../lib/model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { parityCases, type ParityItem } from './cases.js';

function floatInput(item: ParityItem, input: ImageInputSpec): Float32Array {
  const { width, height, padValue } = input;
  const { scale, mean, std } = input.normalization;
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  const { image, left, top } = item;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= left && x < left + image.width && y >= top && y < top + image.height;
      const at = ((y - top) * image.width + (x - left)) * 3;
      for (let c = 0; c < 3; c++) {
        const pixel = inside ? (image.data[at + c] as number) : padValue[c as 0 | 1 | 2];
        tensor[c * plane + y * width + x] =
          (pixel * scale - mean[c as 0 | 1 | 2]) / std[c as 0 | 1 | 2];
      }
    }
  }
  return tensor;
}

async function main(): Promise<void> {
  const [detectorPath, classifierPath] = process.argv.slice(2);
  if (!detectorPath || !classifierPath) {
    throw new Error('usage: write-fixture.ts <float detector.onnx> <float classifier.onnx>');
  }
  const cards = {
    detector: (await loadDetectorCard(repoPath('models/detector.json'))).input,
    classifier: (await loadClassifierCard(repoPath('models/classifier.json'))).input,
  };
  const paths = { detector: detectorPath, classifier: classifierPath };
  const fixture: Record<string, { dims: number[]; outputs: string[] }> = {};
  for (const { model, items } of parityCases()) {
    const input = cards[model];
    const session = await ort.InferenceSession.create(paths[model]);
    const outputs: string[] = [];
    let dims: number[] = [];
    // One item per run: the float detector had a fixed batch of 1.
    for (const item of items) {
      const feeds = {
        [input.name]: new ort.Tensor('float32', floatInput(item, input), [
          1,
          3,
          input.height,
          input.width,
        ]),
      };
      const result = Object.values(await session.run(feeds))[0];
      if (result?.type !== 'float32') throw new Error(`${model}: no float32 output`);
      dims = [...result.dims];
      const data = result.data as Float32Array;
      outputs.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'));
    }
    fixture[model] = { dims, outputs };
    await session.release();
  }
  const note =
    'outputs of the float32-input models on models/parity/cases.ts, one run per item; float32 little-endian, base64';
  await writeFile(
    repoPath('models/parity/fixture.json'),
    `${JSON.stringify({ note, ...fixture }, null, 1)}\n`,
  );
}

await main();

/**
 * Writes models/parity/fixture.json: the outputs of the float32-input models (each shipped
 * model's export before models/training/add_uint8_input.py prepended the uint8 input) on
 * parityCases(), with the input normalised as the serving code did before the conversion, per
 * pixel, in float64 rounded to float32: x = (pixel * scale - mean[c]) / std[c], NCHW, padding
 * normalised the same way. lib/inference/uint8-parity.test.ts checks the shipped uint8-input
 * models against it.
 *
 *   tsx models/parity/write-fixture.ts detector=<float detector.onnx> classifier=<float classifier.onnx>
 *
 * Only the models named are rewritten; the other entries of the fixture stay as they are. The
 * float model of a new training run is the `--float-out` file of models/training/export_onnx.py
 * (the same weights as the shipped uint8 model, without the uint8 input); for a model shipped
 * before the conversion it is the one of git history, e.g.
 * `git show 42f72cc:models/detector.onnx > /tmp/detector-float.onnx`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import * as ort from 'onnxruntime-node';
import {
  loadClassifierCard,
  loadDetectorCard,
  type ImageInputSpec,
} from '../../lib/model-card/index.js';
import { repoPath } from '../../test/support/paths.js';
import { parityCases, type ParityCase, type ParityItem } from './cases.js';

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
  const paths: Partial<Record<ParityCase['model'], string>> = {};
  for (const arg of process.argv.slice(2)) {
    const match = /^(detector|classifier)=(.+)$/.exec(arg);
    if (!match) {
      throw new Error(
        'usage: write-fixture.ts [detector=<float detector.onnx>] [classifier=<float classifier.onnx>]',
      );
    }
    paths[match[1] as ParityCase['model']] = match[2];
  }
  if (Object.keys(paths).length === 0) throw new Error('name at least one model=<float.onnx>');
  const cards = {
    detector: (await loadDetectorCard(repoPath('models/detector.json'))).input,
    classifier: (await loadClassifierCard(repoPath('models/classifier.json'))).input,
  };
  const fixturePath = repoPath('models/parity/fixture.json');
  const fixture = JSON.parse(await readFile(fixturePath, 'utf8')) as Record<
    string,
    { dims: number[]; outputs: string[] }
  >;
  for (const { model, items } of parityCases()) {
    const path = paths[model];
    if (!path) continue;
    const input = cards[model];
    const session = await ort.InferenceSession.create(path);
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
    "outputs of the shipped models' float32-input exports on models/parity/cases.ts, one run per item; float32 little-endian, base64";
  // Formatted as the repository's prettier check wants it.
  const json = JSON.stringify({ ...fixture, note });
  const options = await resolveConfig(fixturePath);
  await writeFile(fixturePath, await format(json, { ...options, filepath: fixturePath }));
}

await main();

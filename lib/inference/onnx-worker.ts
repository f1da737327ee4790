/**
 * Worker thread entry: owns one onnxruntime session for its whole life (sessions are
 * created once; re-creating them leaks) and runs one model call at a time, so the blocking
 * native run never stalls the main event loop. A model call may serve several requests
 * (cross-request batching): their images go into one [N, H, W, 3] uint8 tensor and each
 * request gets its own rows of the output back.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { placeInto } from '../vision/canvas.js';
import { RGB_CHANNELS } from '../vision/types.js';
import {
  ownedTensor,
  pixelBatchProblem,
  type PixelBatch,
  type RunOutcome,
  type RunRequest,
  type WorkerReply,
  type WorkerSetup,
} from './messages.js';

const port = parentPort;
if (port === null) throw new Error('onnx-worker must run in a worker thread');
const setup = workerData as WorkerSetup;
const spec = setup.imageInput;
const itemBytes = spec.width * spec.height * RGB_CHANNELS;

const session = await ort.InferenceSession.create(setup.modelPath, {
  intraOpNumThreads: setup.intraOpThreads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  // Idle intra-op threads sleep instead of spinning: spinning burns a core per thread between
  // runs, starves the main thread (health checks, gRPC) and eats a container's CPU quota.
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

/** True when the batch's pixels already are the model input: full-size images packed in order. */
function isInputTensor(batch: PixelBatch): boolean {
  return (
    batch.pixels.length === batch.images.length * itemBytes &&
    batch.images.every(
      (image, n) =>
        image.offset === n * itemBytes &&
        image.width === spec.width &&
        image.height === spec.height &&
        image.left === 0 &&
        image.top === 0,
    )
  );
}

/** The [N, H, W, 3] uint8 input of the batches' images, in order: row copies, padding around. */
function inputTensor(batches: readonly PixelBatch[]): Uint8Array {
  const only = batches.length === 1 ? batches[0] : undefined;
  if (only && isInputTensor(only)) return only.pixels;
  const count = batches.reduce((sum, batch) => sum + batch.images.length, 0);
  const tensor = new Uint8Array(count * itemBytes);
  let n = 0;
  for (const { pixels, images } of batches) {
    for (const { offset, width, height, left, top } of images) {
      const image = {
        data: pixels.subarray(offset, offset + width * height * RGB_CHANNELS),
        width,
        height,
      };
      placeInto(
        tensor.subarray(n * itemBytes, (n + 1) * itemBytes),
        spec,
        image,
        left,
        top,
        spec.padValue,
      );
      n++;
    }
  }
  return tensor;
}

interface Timings {
  preprocessSeconds: number;
  inferenceSeconds: number;
}

/**
 * Runs the requests `indices` of `inputs` as one model call and fills in their outcomes. If
 * the call fails and holds several requests, each runs alone, so that a request the model
 * cannot run does not fail its batch-mates.
 */
async function runTogether(
  inputs: readonly PixelBatch[],
  indices: readonly number[],
  outcomes: RunOutcome[],
  timings: Timings,
  transfer: ArrayBuffer[],
): Promise<void> {
  const batches = indices.map((i) => inputs[i] as PixelBatch);
  const count = batches.reduce((sum, batch) => sum + batch.images.length, 0);
  try {
    const prepared = performance.now();
    const tensor = inputTensor(batches);
    const started = performance.now();
    const feeds = {
      [setup.inputName]: new ort.Tensor('uint8', tensor, [count, spec.height, spec.width, 3]),
    };
    const outputs = await session.run(feeds, [setup.outputName]);
    timings.preprocessSeconds += (started - prepared) / 1000;
    timings.inferenceSeconds += (performance.now() - started) / 1000;
    const result = outputs[setup.outputName];
    if (result?.type !== 'float32') throw new Error(`output ${setup.outputName} is not float32`);
    const data = result.data as Float32Array;
    if (result.dims[0] !== count) {
      throw new Error(`output ${setup.outputName} has ${result.dims[0]} rows for ${count} images`);
    }
    const perImage = data.length / count;
    let row = 0;
    for (const [k, i] of indices.entries()) {
      const items = batches[k]?.images.length ?? 0;
      const rows = data.subarray(row * perImage, (row + items) * perImage);
      const output = ownedTensor({ data: rows, dims: [items, ...result.dims.slice(1)] });
      outcomes[i] = { output, batchSize: count };
      transfer.push(output.data.buffer as ArrayBuffer);
      row += items;
    }
  } catch (error) {
    if (indices.length > 1) {
      for (const i of indices) await runTogether(inputs, [i], outcomes, timings, transfer);
      return;
    }
    for (const i of indices) outcomes[i] = { error: (error as Error).message };
  }
}

async function run({ id, inputs }: RunRequest): Promise<void> {
  const outcomes: RunOutcome[] = [];
  const runnable: number[] = [];
  inputs.forEach((input, i) => {
    const problem = pixelBatchProblem(input, spec);
    if (problem === undefined) runnable.push(i);
    outcomes[i] = { error: problem ?? 'not run' };
  });
  const timings = { preprocessSeconds: 0, inferenceSeconds: 0 };
  const transfer: ArrayBuffer[] = [];
  if (runnable.length > 0) await runTogether(inputs, runnable, outcomes, timings, transfer);
  const message: WorkerReply = { type: 'result', id, outcomes, ...timings };
  port?.postMessage(message, [...new Set(transfer)]);
}

port.on('message', (request: RunRequest) => void run(request));
port.postMessage({ type: 'ready' } satisfies WorkerReply);

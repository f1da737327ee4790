/**
 * Worker thread entry: owns one onnxruntime session for its whole life (sessions are
 * created once; re-creating them leaks) and runs one job at a time, so the blocking
 * native run never stalls the main event loop.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { placedImagesTensor } from '../vision/tensor.js';
import {
  isPixelBatch,
  ownedTensor,
  type ModelInput,
  type RunRequest,
  type TensorData,
  type WorkerReply,
  type WorkerSetup,
} from './messages.js';

const port = parentPort;
if (port === null) throw new Error('onnx-worker must run in a worker thread');
const setup = workerData as WorkerSetup;

const session = await ort.InferenceSession.create(setup.modelPath, {
  intraOpNumThreads: setup.intraOpThreads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  // Idle intra-op threads sleep instead of spinning: spinning burns a core per thread between
  // runs, starves the main thread (health checks, gRPC) and eats a container's CPU quota.
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** The model input as a tensor: normalised here for a PixelBatch (off the main thread). */
function tensorOf(input: ModelInput): TensorData {
  if (!isPixelBatch(input)) return input;
  const spec = setup.imageInput;
  if (!spec) throw new Error('pixel input needs WorkerSetup.imageInput');
  const items = input.images.map(({ offset, width, height, left, top }) => ({
    image: { data: input.pixels.subarray(offset, offset + width * height * 3), width, height },
    left,
    top,
  }));
  return {
    data: placedImagesTensor(items, spec),
    dims: [items.length, 3, spec.height, spec.width],
  };
}

async function run({ id, input }: RunRequest): Promise<void> {
  try {
    const prepared = performance.now();
    const tensor = tensorOf(input);
    const started = performance.now();
    const feeds = { [setup.inputName]: new ort.Tensor('float32', tensor.data, [...tensor.dims]) };
    const outputs = await session.run(feeds, [setup.outputName]);
    const preprocessSeconds = isPixelBatch(input) ? (started - prepared) / 1000 : 0;
    const inferenceSeconds = (performance.now() - started) / 1000;
    const result = outputs[setup.outputName];
    if (result?.type !== 'float32') throw new Error(`output ${setup.outputName} is not float32`);
    const output = ownedTensor({ data: result.data as Float32Array, dims: result.dims });
    reply({ type: 'result', id, output, preprocessSeconds, inferenceSeconds }, [
      output.data.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    reply({ type: 'failed', id, message: (error as Error).message });
  }
}

port.on('message', (request: RunRequest) => void run(request));
reply({ type: 'ready' });

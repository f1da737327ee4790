/**
 * Worker thread entry: owns one onnxruntime session for its whole life (sessions are
 * created once; re-creating them leaks) and runs one job at a time, so the blocking
 * native run never stalls the main event loop.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { ownedTensor, type RunRequest, type WorkerReply, type WorkerSetup } from './messages.js';

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

async function run({ id, input }: RunRequest): Promise<void> {
  try {
    const started = performance.now();
    const feeds = { [setup.inputName]: new ort.Tensor('float32', input.data, [...input.dims]) };
    const outputs = await session.run(feeds, [setup.outputName]);
    const inferenceSeconds = (performance.now() - started) / 1000;
    const tensor = outputs[setup.outputName];
    if (tensor?.type !== 'float32') throw new Error(`output ${setup.outputName} is not float32`);
    const output = ownedTensor({ data: tensor.data as Float32Array, dims: tensor.dims });
    reply({ type: 'result', id, output, inferenceSeconds }, [output.data.buffer as ArrayBuffer]);
  } catch (error) {
    reply({ type: 'failed', id, message: (error as Error).message });
  }
}

port.on('message', (request: RunRequest) => void run(request));
reply({ type: 'ready' });

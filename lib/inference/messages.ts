/** Messages between the inference pool (main thread) and its workers. */

export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

export interface WorkerSetup {
  modelPath: string;
  inputName: string;
  outputName: string;
  intraOpThreads: number;
}

export interface RunRequest {
  id: number;
  input: TensorData;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; output: TensorData; inferenceSeconds: number }
  | { type: 'failed'; id: number; message: string };

/** The buffer to transfer for zero-copy posting; copies first if the array is a view. */
export function ownedTensor(tensor: TensorData): TensorData {
  const { data } = tensor;
  const ownsBuffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return ownsBuffer ? tensor : { data: data.slice(), dims: tensor.dims };
}

import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { InferenceError, QueueFullError } from './errors.js';
import {
  ownedInput,
  transferableOf,
  type ModelInput,
  type RunRequest,
  type TensorData,
  type WorkerReply,
  type WorkerSetup,
} from './messages.js';
import { spawnModuleWorker } from './spawn-module-worker.js';

export interface InferencePoolOptions extends WorkerSetup {
  /** Worker threads, each with its own session. */
  workers: number;
  /** Jobs allowed to wait while every worker is busy; further jobs get QueueFullError. */
  maxQueue: number;
  /** Run once on every worker before the pool is returned (first runs are slow). */
  warmUpInput: TensorData;
  /** Told about a worker that died (it is replaced). */
  onWorkerError?: (error: Error) => void;
}

export interface InferenceResult {
  output: TensorData;
  /** Time spent waiting for a free worker. */
  queueSeconds: number;
  /** Time of building the tensor from a PixelBatch in the worker (0 for tensor inputs). */
  preprocessSeconds: number;
  /** Time of the model run itself, measured in the worker. */
  inferenceSeconds: number;
}

export interface InferencePool {
  /**
   * Runs the model on one input: a tensor, or images the worker normalises itself (needs
   * `imageInput`). The input's buffer is transferred (unusable afterwards).
   */
  run(input: ModelInput): Promise<InferenceResult>;
  /** Jobs waiting for a worker. */
  readonly queueDepth: number;
  /** Jobs allowed to wait (MAX_QUEUE); one more is refused with QueueFullError. */
  readonly queueCapacity: number;
  /** Jobs running on a worker. */
  readonly inFlight: number;
  close(): Promise<void>;
}

interface Job {
  input: ModelInput;
  enqueuedAt: number;
  resolve: (result: InferenceResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded and warmed up: may take jobs. */
  ready: boolean;
  current?: { id: number; job: Job; dispatchedAt: number };
}

// Same extension as this module: .ts under tsx, .js in dist/.
const WORKER_URL = new URL(
  `./onnx-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/** Resolves when the worker reports its session loaded; rejects if it fails first. */
function sessionLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.type !== 'ready') return;
      stopListening();
      resolve();
    };
    const onError = (error: Error) => {
      stopListening();
      reject(error);
    };
    const onExit = (code: number) => {
      stopListening();
      reject(new InferenceError(`inference worker exited with code ${code} while starting`));
    };
    const stopListening = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

class WorkerInferencePool implements InferencePool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: InferencePoolOptions) {}

  get queueDepth(): number {
    return this.queue.length;
  }

  get queueCapacity(): number {
    return this.options.maxQueue;
  }

  get inFlight(): number {
    let busy = 0;
    for (const slot of this.slots) if (slot.current) busy++;
    return busy;
  }

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.workers }, () => this.addWorker()));
  }

  run(input: ModelInput): Promise<InferenceResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new InferenceError('inference pool is closed'));
        return;
      }
      const job: Job = {
        input: ownedInput(input),
        enqueuedAt: performance.now(),
        resolve,
        reject,
      };
      const idle = this.queue.length === 0 ? this.idleSlot() : undefined;
      if (idle) this.dispatch(idle, job);
      else if (this.queue.length >= this.options.maxQueue)
        reject(new QueueFullError(this.options.maxQueue));
      else this.queue.push(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new InferenceError('inference pool is closed'));
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot.ready && !slot.current) return slot;
    return undefined;
  }

  private dispatch(slot: Slot, job: Job): void {
    const id = this.nextId++;
    slot.current = { id, job, dispatchedAt: performance.now() };
    const request: RunRequest = { id, input: job.input };
    slot.worker.postMessage(request, [transferableOf(job.input)]);
  }

  private pump(): void {
    let slot = this.idleSlot();
    while (slot && this.queue.length > 0) {
      const job = this.queue.shift();
      if (job) this.dispatch(slot, job);
      slot = this.idleSlot();
    }
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const current = slot.current;
    if (reply.type === 'ready' || current?.id !== reply.id) return;
    slot.current = undefined;
    if (reply.type === 'result') {
      current.job.resolve({
        output: reply.output,
        queueSeconds: (current.dispatchedAt - current.job.enqueuedAt) / 1000,
        preprocessSeconds: reply.preprocessSeconds,
        inferenceSeconds: reply.inferenceSeconds,
      });
    } else {
      current.job.reject(new InferenceError(`inference failed: ${reply.message}`));
    }
    this.pump();
  }

  /** Starts a worker, waits for its session, warms it up, then lets it take jobs. */
  private async addWorker(): Promise<void> {
    const worker = spawnModuleWorker(WORKER_URL, { workerData: this.workerSetup() });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    try {
      await sessionLoaded(worker);
      worker.on('message', (reply: WorkerReply) => {
        this.settle(slot, reply);
      });
      worker.on('error', (error) => this.options.onWorkerError?.(error));
      worker.on('exit', (code) => {
        this.replaceWorker(slot, code);
      });
      await this.warmUp(slot);
    } catch (error) {
      this.slots.delete(slot);
      await worker.terminate();
      throw error;
    }
    slot.ready = true;
  }

  private workerSetup(): WorkerSetup {
    const { modelPath, inputName, outputName, intraOpThreads, imageInput } = this.options;
    return { modelPath, inputName, outputName, intraOpThreads, imageInput };
  }

  private warmUp(slot: Slot): Promise<void> {
    const { data, dims } = this.options.warmUpInput;
    return new Promise((resolve, reject) => {
      this.dispatch(slot, {
        input: { data: data.slice(), dims },
        enqueuedAt: performance.now(),
        resolve: () => {
          resolve();
        },
        reject,
      });
    });
  }

  private replaceWorker(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return;
    slot.current?.job.reject(new InferenceError(`inference worker exited with code ${code}`));
    if (this.closed) return;
    this.options.onWorkerError?.(
      new InferenceError(`inference worker exited with code ${code}; replacing it`),
    );
    this.addWorker().then(
      () => {
        this.pump();
      },
      (error: unknown) => this.options.onWorkerError?.(error as Error),
    );
  }
}

/**
 * onnxruntime 1.2x+ on Linux ships Microsoft telemetry: it writes /tmp/mat-debug-<pid>.log and
 * a SQLite database under ~/.cache/Microsoft/DeveloperTools, and may upload events. A service
 * that handles users' photos must not phone home nor write files (read-only root filesystem
 * in the cluster). Set before any worker loads onnxruntime; ORT_DISABLE_TELEMETRY=0 in the
 * environment still opts in.
 */
function disableOnnxruntimeTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}

/** Starts `workers` inference threads and resolves once every one is loaded and warm. */
export async function startInferencePool(options: InferencePoolOptions): Promise<InferencePool> {
  disableOnnxruntimeTelemetry();
  const pool = new WorkerInferencePool(options);
  try {
    await pool.start();
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}

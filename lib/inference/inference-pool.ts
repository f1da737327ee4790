import { performance } from 'node:perf_hooks';
import { InferenceError, QueueFullError } from './errors.js';
import { JobQueue, type InferenceResult, type Job } from './job-queue.js';
import {
  batchSizeOf,
  ownedInput,
  transferableOf,
  type ModelInput,
  type RunRequest,
  type WorkerReply,
  type WorkerSetup,
} from './messages.js';
import { sessionLoaded, spawnSlot, type Slot } from './worker-slot.js';

export interface InferencePoolOptions extends WorkerSetup {
  /** Worker threads, each with its own session. */
  workers: number;
  /** Jobs allowed to wait while every worker is busy; further jobs get QueueFullError. */
  maxQueue: number;
  /**
   * Most images in one model call (MAX_BATCH). Jobs waiting together run as one call up to
   * this many images; a single job holding more runs alone.
   */
  maxBatch: number;
  /**
   * How long a job that finds a worker idle waits for batch-mates before its model call starts
   * (MAX_BATCH_DELAY_MS); 0 starts it at once. Jobs that arrive while every worker is busy
   * wait anyway and run together as soon as a worker frees up.
   */
  maxBatchDelayMs: number;
  /** Run once on every worker before the pool is returned (first runs are slow). */
  warmUpInput: ModelInput;
  /** Told about a worker that died (it is replaced). */
  onWorkerError?: (error: Error) => void;
}

export interface RunOptions {
  /**
   * Abort: a job still waiting leaves the queue; a job already in a model call is left to run
   * (its batch-mates need the call) and its output is dropped. Either way run() rejects at once.
   */
  signal?: AbortSignal;
}

export interface InferencePool {
  /**
   * Runs the model on one job's images (8-bit RGB placed on the model input). The pixel
   * buffer is transferred (unusable afterwards). Jobs that wait together share one model call.
   */
  run(input: ModelInput, options?: RunOptions): Promise<InferenceResult>;
  /** Jobs waiting for a worker. */
  readonly queueDepth: number;
  /** Jobs allowed to wait (MAX_QUEUE); one more is refused with QueueFullError. */
  readonly queueCapacity: number;
  /** Model calls running on a worker. */
  readonly inFlight: number;
  close(): Promise<void>;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('the inference job was aborted', 'AbortError');
}

class WorkerInferencePool implements InferencePool {
  private readonly slots = new Set<Slot>();
  private readonly queue: JobQueue;
  private nextId = 1;
  private closed = false;
  /** Set while queued jobs wait (MAX_BATCH_DELAY_MS) for batch-mates with a worker idle. */
  private batchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: InferencePoolOptions) {
    this.queue = new JobQueue(options.maxQueue, options.maxBatch);
  }

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

  run(input: ModelInput, options: RunOptions = {}): Promise<InferenceResult> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (this.closed) {
        reject(new InferenceError('inference pool is closed'));
        return;
      }
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const job: Job = {
        input: ownedInput(input),
        images: batchSizeOf(input),
        enqueuedAt: performance.now(),
        resolve,
        reject,
      };
      if (!this.queue.accepts(job, this.idleSlot() !== undefined)) {
        reject(new QueueFullError(this.options.maxQueue));
        return;
      }
      if (signal) {
        const onAbort = () => {
          this.queue.remove(job);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => {
          signal.removeEventListener('abort', onAbort);
        };
        job.resolve = (result) => {
          done();
          resolve(result);
        };
        job.reject = (error) => {
          done();
          reject(error);
        };
      }
      this.queue.push(job);
      this.schedule();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.batchTimer);
    for (const job of this.queue.drain())
      job.reject(new InferenceError('inference pool is closed'));
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }

  /**
   * Starts model calls now if a worker is idle and the delay is 0 or a full batch waits;
   * otherwise waits MAX_BATCH_DELAY_MS for batch-mates first. With every worker busy nothing
   * happens here: settle() starts the next call when one frees up.
   */
  private schedule(): void {
    if (!this.idleSlot() || this.queue.length === 0) return;
    const { maxBatchDelayMs, maxBatch } = this.options;
    if (maxBatchDelayMs === 0 || this.queue.images() >= maxBatch) {
      this.pump();
      return;
    }
    this.batchTimer ??= setTimeout(() => {
      this.pump();
    }, maxBatchDelayMs);
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot.ready && !slot.current) return slot;
    return undefined;
  }

  private dispatch(slot: Slot, jobs: Job[]): void {
    const id = this.nextId++;
    const inputs = jobs.map((job) => job.input);
    const request: RunRequest = { id, inputs };
    try {
      slot.worker.postMessage(request, [...new Set(inputs.map((input) => transferableOf(input)))]);
    } catch (error) {
      // e.g. a buffer already transferred elsewhere: these jobs fail, the slot stays free.
      for (const job of jobs)
        job.reject(new InferenceError(`inference failed: ${(error as Error).message}`));
      return;
    }
    slot.current = { id, jobs, dispatchedAt: performance.now() };
  }

  private pump(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    let slot = this.idleSlot();
    while (slot && this.queue.length > 0) {
      this.dispatch(slot, this.queue.nextBatch());
      slot = this.idleSlot();
    }
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const current = slot.current;
    if (reply.type === 'ready' || current?.id !== reply.id) return;
    slot.current = undefined;
    const { preprocessSeconds, inferenceSeconds } = reply;
    current.jobs.forEach((job, i) => {
      const outcome = reply.outcomes[i];
      if (outcome && 'output' in outcome) {
        job.resolve({
          output: outcome.output,
          batchSize: outcome.batchSize,
          queueSeconds: (current.dispatchedAt - job.enqueuedAt) / 1000,
          preprocessSeconds,
          inferenceSeconds,
        });
      } else {
        job.reject(new InferenceError(`inference failed: ${outcome?.error ?? 'no result'}`));
      }
    });
    // Jobs that queued meanwhile already waited: they start now, together.
    this.pump();
  }

  /** Starts a worker, waits for its session, warms it up, then lets it take jobs. */
  private async addWorker(): Promise<void> {
    const slot = spawnSlot(this.workerSetup());
    const { worker } = slot;
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
    const { pixels, images } = this.options.warmUpInput;
    return new Promise((resolve, reject) => {
      this.dispatch(slot, [
        {
          input: { pixels: pixels.slice(), images },
          images: images.length,
          enqueuedAt: performance.now(),
          resolve: () => {
            resolve();
          },
          reject,
        },
      ]);
    });
  }

  private replaceWorker(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return;
    for (const job of slot.current?.jobs ?? [])
      job.reject(new InferenceError(`inference worker exited with code ${code}`));
    if (this.closed) return;
    this.options.onWorkerError?.(
      new InferenceError(`inference worker exited with code ${code}; replacing it`),
    );
    this.addWorker().then(
      () => {
        this.schedule();
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

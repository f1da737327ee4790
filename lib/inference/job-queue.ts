import type { ModelInput, TensorData } from './messages.js';

/** What a job's caller gets back from its model call. */
export interface InferenceResult {
  /** This job's rows of the model output. */
  output: TensorData;
  /** Images in the model call that served this job (its own and its batch-mates'). */
  batchSize: number;
  /** Time spent waiting for a worker (and for batch-mates). */
  queueSeconds: number;
  /** Worker time of building the model call's input tensor from the pixels. */
  preprocessSeconds: number;
  /** Time of the model call itself, measured in the worker. */
  inferenceSeconds: number;
}

/** One caller's images waiting for, or in, a model call. */
export interface Job {
  input: ModelInput;
  images: number;
  enqueuedAt: number;
  resolve: (result: InferenceResult) => void;
  reject: (error: Error) => void;
}

/**
 * The jobs waiting for a worker, oldest first, and how they are cut into model calls of at
 * most `maxBatch` images (a single job holding more runs alone).
 */
export class JobQueue {
  private readonly jobs: Job[] = [];

  constructor(
    /** Jobs allowed to wait while every worker is busy (MAX_QUEUE). */
    readonly capacity: number,
    readonly maxBatch: number,
  ) {}

  get length(): number {
    return this.jobs.length;
  }

  /** Images of every waiting job. */
  images(): number {
    return this.jobs.reduce((sum, job) => sum + job.images, 0);
  }

  /**
   * A job may wait when the queue has room, or when a worker is idle and the job joins the
   * model call that is about to start (the delay window must not refuse what it batches).
   */
  accepts(job: Job, workerIdle: boolean): boolean {
    if (this.jobs.length < this.capacity) return true;
    if (!workerIdle) return false;
    return this.images() + job.images <= this.maxBatch || this.jobs.length === 0;
  }

  push(job: Job): void {
    this.jobs.push(job);
  }

  /** Takes a job out of the queue (its caller gave up); false when it had left already. */
  remove(job: Job): boolean {
    const at = this.jobs.indexOf(job);
    if (at < 0) return false;
    this.jobs.splice(at, 1);
    return true;
  }

  /** The jobs of the next model call: oldest first, up to maxBatch images (at least one job). */
  nextBatch(): Job[] {
    const batch: Job[] = [];
    let images = 0;
    while (this.jobs.length > 0) {
      const next = this.jobs[0] as Job;
      if (batch.length > 0 && images + next.images > this.maxBatch) break;
      this.jobs.shift();
      batch.push(next);
      images += next.images;
    }
    return batch;
  }

  /** Every waiting job, removed. */
  drain(): Job[] {
    return this.jobs.splice(0);
  }
}

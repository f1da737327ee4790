/** Every worker is busy and the wait queue is at its limit: the caller should retry later. */
export class QueueFullError extends Error {
  constructor(limit: number) {
    super(`inference queue is full (${limit} requests waiting); retry later`);
    this.name = 'QueueFullError';
  }
}

/** The model failed to run (not the caller's fault). */
export class InferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceError';
  }
}

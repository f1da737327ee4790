/**
 * Admission control by image size: a budget of pixels being decoded or held at full
 * resolution at once. Decoded images cost memory in proportion to their pixels, so a few
 * concurrent large photos would exceed a process's memory limit. A request asks for its
 * pixels (read from the image header, before decoding) and waits, first come first served,
 * until they fit; a request larger than the whole budget runs alone (callers that must
 * refuse such requests check `limit` first). With `maxWaiting`, a request that finds that
 * many already waiting is refused at once (PixelBudgetFullError) instead of queueing.
 */
export interface PixelBudget {
  /**
   * Resolves with `release` once `pixels` fit; rejects with PixelBudgetFullError when
   * `maxWaiting` requests already wait, or with the signal's reason if it aborts first.
   */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void>;
  /** The budget, in pixels. */
  readonly limit: number;
  /** Pixels admitted and not yet released. */
  readonly inUse: number;
  /** The largest `inUse` since the budget was created. */
  readonly peak: number;
  /** Requests waiting for room. */
  readonly waiting: number;
}

export interface PixelBudgetOptions {
  /** Most requests allowed to wait; more are refused (default: no bound). */
  maxWaiting?: number;
}

/** The budget's wait queue is full: the caller should back off and retry. */
export class PixelBudgetFullError extends Error {
  constructor(readonly waiting: number) {
    super(
      `too many large images in progress: ${waiting} requests already wait for the decoded-pixel budget; retry later`,
    );
    this.name = 'PixelBudgetFullError';
  }
}

interface Waiter {
  pixels: number;
  admit: () => void;
}

export function createPixelBudget(limit: number, options: PixelBudgetOptions = {}): PixelBudget {
  const maxWaiting = options.maxWaiting ?? Infinity;
  let inUse = 0;
  let peak = 0;
  const queue: Waiter[] = [];

  const fits = (pixels: number): boolean => inUse === 0 || inUse + pixels <= limit;
  const admitWaiting = (): void => {
    while (queue.length > 0 && fits((queue[0] as Waiter).pixels)) (queue.shift() as Waiter).admit();
  };
  const take = (pixels: number): (() => void) => {
    inUse += pixels;
    peak = Math.max(peak, inUse);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inUse -= pixels;
      admitWaiting();
    };
  };

  return {
    acquire(pixels, signal) {
      if (queue.length === 0 && fits(pixels)) return Promise.resolve(take(pixels));
      if (queue.length >= maxWaiting) return Promise.reject(new PixelBudgetFullError(queue.length));
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          pixels,
          admit: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(take(pixels));
          },
        };
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(
            signal?.reason instanceof Error ? signal.reason : new Error('aborted while waiting'),
          );
          admitWaiting();
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
    limit,
    get inUse() {
      return inUse;
    },
    get peak() {
      return peak;
    },
    get waiting() {
      return queue.length;
    },
  };
}

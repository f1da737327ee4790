/**
 * Admission control by photo size. While a request is in flight its full-resolution work
 * (decoded pixels, the encoder's copy, the answer) costs about 7-8 bytes of memory per
 * pixel, so a few concurrent 12 MP photos would exceed the function's memory limit. A request
 * waits (first come, first served) until its pixels fit the budget; a photo larger than the
 * whole budget runs alone.
 *
 * Load shedding: at most `maxWaiting` photos wait, each for at most `maxWaitMs`; beyond that
 * `acquire` rejects with a BudgetRefusal at once (the caller answers 429), so that under
 * overload callers are told to come back instead of queueing without bound.
 */
export interface PixelBudget {
  /** Resolves with `release` once `pixels` fit; rejects if `signal` aborts while waiting, or with a BudgetRefusal. */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void>;
  /** True when a new photo that does not fit at once would be refused (the queue is full). */
  readonly full: boolean;
  /** Pixels admitted and not yet released. */
  readonly inUse: number;
  /** Requests waiting for room. */
  readonly waiting: number;
}

export interface ShedLimits {
  /** Most requests waiting; 0 refuses every photo that does not fit at once. */
  maxWaiting: number;
  /** Longest wait before a refusal. */
  maxWaitMs: number;
}

/** Why a photo was not admitted: the queue was full, or it waited too long. */
export class BudgetRefusal extends Error {
  constructor(readonly reason: 'queue_full' | 'wait_timeout') {
    super(reason === 'queue_full' ? 'too many photos are waiting' : 'waited too long for room');
    this.name = 'BudgetRefusal';
  }
}

interface Waiter {
  pixels: number;
  admit: () => void;
}

const UNBOUNDED: ShedLimits = { maxWaiting: Infinity, maxWaitMs: Infinity };

export function createPixelBudget(limit: number, shed: ShedLimits = UNBOUNDED): PixelBudget {
  let inUse = 0;
  const queue: Waiter[] = [];

  const fits = (pixels: number): boolean => inUse === 0 || inUse + pixels <= limit;
  const admitWaiting = (): void => {
    while (queue.length > 0 && fits((queue[0] as Waiter).pixels)) (queue.shift() as Waiter).admit();
  };
  const take = (pixels: number): (() => void) => {
    inUse += pixels;
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
      if (queue.length >= shed.maxWaiting) return Promise.reject(new BudgetRefusal('queue_full'));
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const leave = (error: Error): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(error);
          admitWaiting();
        };
        const waiter: Waiter = {
          pixels,
          admit: () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(take(pixels));
          },
        };
        const onAbort = (): void => {
          leave(
            signal?.reason instanceof Error ? signal.reason : new Error('aborted while waiting'),
          );
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        if (Number.isFinite(shed.maxWaitMs)) {
          timer = setTimeout(() => {
            leave(new BudgetRefusal('wait_timeout'));
          }, shed.maxWaitMs);
        }
        queue.push(waiter);
      });
    },
    get full() {
      return queue.length >= shed.maxWaiting;
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
  };
}

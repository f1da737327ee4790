/**
 * Admission control by photo size. While a request is in flight its full-resolution work
 * (decoded pixels, the encoder's copy, the answer) costs about 7-8 bytes of memory per
 * pixel, so a few concurrent 12 MP photos would exceed the function's memory limit. A request
 * waits (first come, first served) until its pixels fit the budget; a photo larger than the
 * whole budget runs alone.
 */
export interface PixelBudget {
  /** Resolves with `release` once `pixels` fit; rejects if `signal` aborts while waiting. */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void>;
  /** Pixels admitted and not yet released. */
  readonly inUse: number;
  /** Requests waiting for room. */
  readonly waiting: number;
}

interface Waiter {
  pixels: number;
  admit: () => void;
}

export function createPixelBudget(limit: number): PixelBudget {
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
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
  };
}

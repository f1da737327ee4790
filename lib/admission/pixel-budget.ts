/**
 * Admission control by image size: a budget of pixels being decoded or held at full
 * resolution at once. Decoded images cost memory in proportion to their pixels, so a few
 * concurrent large photos would exceed a process's memory limit. A request asks for its
 * pixels (read from the image header, before decoding) and waits, first come first served,
 * until they fit; a request larger than the whole budget runs alone (callers that must
 * refuse such requests check `limit` first).
 *
 * Load shedding: with `maxWaiting`, a request that finds that many already waiting is refused
 * at once, and with `maxWaitMs` a waiting request is refused once it has waited that long
 * (BudgetRefusal, reason `queue_full` or `wait_timeout`): under overload callers are told to
 * back off instead of queueing without bound.
 */
export interface PixelBudget {
  /**
   * Resolves with `release` once `pixels` fit; rejects with a BudgetRefusal when `maxWaiting`
   * requests already wait or after `maxWaitMs` of waiting, or with the signal's reason if it
   * aborts first.
   */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void>;
  /**
   * True when a new request would be refused whatever its size: `maxWaiting` requests already
   * wait. Never with `maxWaiting` 0, where nothing waits and only a request that does not fit
   * at once is refused (by `acquire`).
   */
  readonly full: boolean;
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
  /** Most requests allowed to wait; more are refused, 0 refuses all that do not fit at once (default: no bound). */
  maxWaiting?: number;
  /** Longest wait before a refusal (default: no bound). */
  maxWaitMs?: number;
}

/** A request the budget refused: its wait queue was full, or it waited too long. The caller should back off and retry. */
export class BudgetRefusal extends Error {
  constructor(
    readonly reason: 'queue_full' | 'wait_timeout',
    readonly waiting: number,
  ) {
    super(
      reason === 'queue_full'
        ? `too many large images in progress: ${waiting} requests already wait for the decoded-pixel budget; retry later`
        : 'waited too long for room in the decoded-pixel budget; retry later',
    );
    this.name = 'BudgetRefusal';
  }
}

interface Waiter {
  pixels: number;
  admit: () => void;
}

export function createPixelBudget(limit: number, options: PixelBudgetOptions = {}): PixelBudget {
  const maxWaiting = options.maxWaiting ?? Infinity;
  const maxWaitMs = options.maxWaitMs ?? Infinity;
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
      if (queue.length >= maxWaiting) {
        return Promise.reject(new BudgetRefusal('queue_full', queue.length));
      }
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
        if (Number.isFinite(maxWaitMs)) {
          timer = setTimeout(() => {
            leave(new BudgetRefusal('wait_timeout', queue.length));
          }, maxWaitMs);
        }
        queue.push(waiter);
      });
    },
    get full() {
      return queue.length > 0 && queue.length >= maxWaiting;
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

import { createPixelBudget } from '../admission/pixel-budget.js';
import type { ModelServiceMetrics } from '../metrics/index.js';
import { ImageInputError } from '../vision/index.js';

/**
 * Runs `work` (a decode of images totalling `pixels`, read from their headers) once those
 * pixels fit the service's decode budget. Throws ImageInputError when `pixels` alone are above
 * the budget, BudgetRefusal when the wait queue is full, and the signal's reason when
 * the call is cancelled while waiting. `what` names the input in messages.
 */
export type AdmitPixels = <T>(
  pixels: number,
  what: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
) => Promise<T>;

export interface DecodeAdmissionOptions {
  /** MAX_INFLIGHT_PIXELS. */
  maxInflightPixels: number;
  /** Requests allowed to wait for the budget (MAX_QUEUE). */
  maxWaiting: number;
  /** Where the budget's gauges read it (lib/metrics/model-service-metrics.ts). */
  metrics: Pick<ModelServiceMetrics, 'watchDecodeBudget'>;
}

/** The pixel budget of a model service (memory-safe admission), watched by its gauges. */
export function createDecodeAdmission(options: DecodeAdmissionOptions): AdmitPixels {
  const budget = createPixelBudget(options.maxInflightPixels, { maxWaiting: options.maxWaiting });
  options.metrics.watchDecodeBudget(budget);

  return async (pixels, what, signal, work) => {
    if (pixels > budget.limit) {
      throw new ImageInputError(
        `${what} has ${pixels} pixels to decode, above the service's decode budget of ${budget.limit} pixels (MAX_INFLIGHT_PIXELS); send a smaller image`,
      );
    }
    const release = await budget.acquire(pixels, signal);
    try {
      return await work();
    } finally {
      release();
    }
  };
}

import { Gauge, type Registry } from 'prom-client';
import { createPixelBudget } from '../admission/pixel-budget.js';
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
  registry: Registry;
  /** The metrics' `service` label. */
  service: string;
}

/**
 * The pixel budget of a model service (memory-safe admission), with gauges of the pixels in
 * flight, their peak, the budget and the requests waiting.
 */
export function createDecodeAdmission(options: DecodeAdmissionOptions): AdmitPixels {
  const { service, registry } = options;
  const budget = createPixelBudget(options.maxInflightPixels, { maxWaiting: options.maxWaiting });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers: [registry],
      collect() {
        this.set({ service }, read());
      },
    });
  gauge(
    'banana_decode_pixels_in_flight',
    'Source pixels of the images being decoded now (admitted to the decode budget).',
    () => budget.inUse,
  );
  gauge(
    'banana_decode_pixels_in_flight_peak',
    'Largest number of source pixels decoded at once since start-up.',
    () => budget.peak,
  );
  gauge(
    'banana_decode_pixel_budget',
    'Decode budget in source pixels (MAX_INFLIGHT_PIXELS).',
    () => budget.limit,
  );
  gauge(
    'banana_decode_waiting',
    'Requests waiting for room in the decode budget.',
    () => budget.waiting,
  );

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

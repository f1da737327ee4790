/**
 * Per-API-key admission, so that one caller cannot take every slot of a service: at most
 * `maxInFlight` requests of one key at once, and a token bucket of `ratePerSecond` refilled
 * up to `burst`. Global admission (the pixel budget, the inference queue) still applies
 * after it; this only keeps one key from filling them. Written by hand: the limits are a
 * counter and a bucket per key name, checked before anything else of the request runs.
 */

export interface KeyLimitSettings {
  /** Requests of one key at once (KEY_MAX_IN_FLIGHT); 0: no limit. */
  maxInFlight: number;
  /** Requests per second one key may start, on average (KEY_RATE_PER_S); 0: no limit. */
  ratePerSecond: number;
  /** Requests one key may start at once after a quiet spell (KEY_BURST). */
  burst: number;
  /** Names of keys no limit applies to (KEY_LIMITS_EXEMPT), e.g. the function's own key. */
  exempt?: readonly string[];
}

export const NO_KEY_LIMITS: KeyLimitSettings = { maxInFlight: 0, ratePerSecond: 0, burst: 0 };

const UNLIMITED: KeyAdmission = { ok: true, release: () => undefined };

export type KeyLimit = 'in_flight' | 'rate';

export type KeyAdmission =
  | { ok: true; release: () => void }
  | { ok: false; limit: KeyLimit; message: string; retryAfterSeconds: number };

export interface KeyLimits {
  /** Admits one request of the key `name`; release() when it ends, whatever its outcome. */
  admit(name: string): KeyAdmission;
  /** Requests in flight per key name (metrics). */
  inFlight(): ReadonlyMap<string, number>;
}

export interface KeyLimitOptions {
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
  /** Every refusal (metrics). */
  onRefused?: (name: string, limit: KeyLimit) => void;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createKeyLimits(
  settings: KeyLimitSettings,
  options: KeyLimitOptions = {},
): KeyLimits {
  const now = options.now ?? (() => performance.now());
  const inFlight = new Map<string, number>();
  const buckets = new Map<string, Bucket>();
  const refuse = (name: string, limit: KeyLimit, message: string, retryAfterSeconds: number) => {
    options.onRefused?.(name, limit);
    return { ok: false as const, limit, message, retryAfterSeconds };
  };
  /** Takes a token of the key's bucket, or says how long until one is there. */
  const takeToken = (name: string): number | undefined => {
    const { ratePerSecond: rate, burst } = settings;
    const t = now();
    const bucket = buckets.get(name) ?? { tokens: burst, at: t };
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
    bucket.at = t;
    buckets.set(name, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return (1 - bucket.tokens) / rate;
  };
  const exempt = new Set(settings.exempt ?? []);
  return {
    admit(name) {
      if (exempt.has(name)) return UNLIMITED;
      const running = inFlight.get(name) ?? 0;
      if (settings.maxInFlight > 0 && running >= settings.maxInFlight) {
        return refuse(
          name,
          'in_flight',
          `the API key "${name}" already has ${running} requests in flight, its limit ` +
            '(KEY_MAX_IN_FLIGHT); send fewer at once',
          1,
        );
      }
      if (settings.ratePerSecond > 0) {
        const waitSeconds = takeToken(name);
        if (waitSeconds !== undefined) {
          return refuse(
            name,
            'rate',
            `the API key "${name}" is above its rate of ${settings.ratePerSecond} requests/s ` +
              `(KEY_RATE_PER_S, bursts of ${settings.burst}: KEY_BURST)`,
            Math.max(1, Math.ceil(waitSeconds)),
          );
        }
      }
      inFlight.set(name, running + 1);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          const left = (inFlight.get(name) ?? 1) - 1;
          if (left > 0) inFlight.set(name, left);
          else inFlight.delete(name);
        },
      };
    },
    inFlight: () => inFlight,
  };
}

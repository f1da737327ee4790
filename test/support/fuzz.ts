/**
 * Property-based fuzzing settings shared by the *.fuzz.test.ts files: a fixed seed, so that a
 * failure found in CI replays here, and a bounded number of runs per property (FUZZ_RUNS,
 * default `runs`; the reliability suite's `npm run test:fuzz` sets 10,000).
 */
import type { Parameters as FcParameters } from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261207);

export function fuzzParameters<T>(runs: number): FcParameters<T> {
  const fromEnv = Number(process.env.FUZZ_RUNS);
  return {
    seed: FUZZ_SEED,
    // Every call a property makes has a deadline: a hang fails as a timed-out call.
    numRuns: Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : runs,
  };
}

import type { PipelineStage } from '../metrics.js';

export type StageTimings = Partial<Record<PipelineStage, number>>;

export interface StageTimer {
  /** Runs one stage and records how long it took (also when it fails). */
  time<T>(stage: PipelineStage, work: () => Promise<T>): Promise<T>;
  /** Milliseconds per finished stage. */
  readonly timings: StageTimings;
  /** Milliseconds since the timer was created. */
  elapsedMs(): number;
}

export function createStageTimer(now: () => number = () => performance.now()): StageTimer {
  const start = now();
  const timings: StageTimings = {};
  return {
    timings,
    async time(stage, work) {
      const stageStart = now();
      try {
        return await work();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + (now() - stageStart);
      }
    },
    elapsedMs: () => now() - start,
  };
}

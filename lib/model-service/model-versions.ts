/**
 * Live model swaps: a service serves one generation (card, inference workers and the
 * handlers built on them) at a time. A new version found in MODEL_DIR is loaded and warmed
 * as the next generation while the current one serves; then new calls go to it, and the
 * replaced one's workers close once the calls holding it have ended (at most
 * SHUTDOWN_GRACE_MS later, as at shutdown). A version that fails to load or warm up is
 * logged, counted and left out until its files change; the served one stays.
 */
import type { InferencePool } from '../inference/index.js';
import type { Logger } from '../log/index.js';
import { findModelFiles, type ModelFiles } from '../model-card/index.js';
import type { ModelServiceMetrics } from '../metrics/index.js';

/** One loaded model and what was built on it. */
export interface Generation<Card, Built> {
  card: Card;
  files: ModelFiles;
  /** Undefined while the first model's workers still load (calls answer UNAVAILABLE). */
  pool: InferencePool | undefined;
  /** The service's handlers and protocol models, bound to this card and pool. */
  built: Built;
  /** Calls running on this generation. */
  leases: number;
  /** Called when `leases` drops to 0 (set while the generation is being retired). */
  onIdle?: (() => void) | undefined;
}

/** Runs `work` holding `generation`: its workers stay open until `work` has settled. */
export async function leased<T>(
  generation: Generation<unknown, unknown>,
  work: () => Promise<T>,
): Promise<T> {
  generation.leases++;
  try {
    return await work();
  } finally {
    generation.leases--;
    if (generation.leases === 0) generation.onIdle?.();
  }
}

/** Closes a replaced generation's workers once its calls have ended, or after `graceMs`. */
export async function retire(
  generation: Generation<unknown, unknown>,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  if (generation.leases > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      generation.onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  if (generation.leases > 0) {
    logger.warn(
      { calls: generation.leases, origin: generation.files.origin, graceMs },
      'replaced model closed with calls still on it (SHUTDOWN_GRACE_MS over)',
    );
  }
  await generation.pool?.close();
}

export interface ModelDirWatch {
  /** Checks the directory now (the poll's work; tests call it to skip the wait). */
  check(): Promise<void>;
  /** Stops polling and waits for a load in progress. */
  stop(): Promise<void>;
}

export interface WatchOptions {
  dir: string;
  kind: string;
  pollMs: number;
  /** The files of the generation served now. */
  served(): ModelFiles;
  /** Loads and warms `files` beside the served model, then swaps it in; rejects to keep the served one. */
  swapIn(files: ModelFiles): Promise<void>;
  logger: Logger;
  metrics: Pick<ModelServiceMetrics, 'countReload'>;
}

/**
 * Polls MODEL_DIR every `pollMs` (0: never) for files other than the served ones; one check
 * at a time. Polling rather than inotify: a Kubernetes volume (a ConfigMap's symlink swap, a
 * PVC on NFS) does not reliably raise file events in the container.
 */
export function watchModelDir(options: WatchOptions): ModelDirWatch {
  const { logger } = options;
  let refused: string | undefined;
  let lastProblem: string | undefined;
  let running: Promise<void> | undefined;
  const look = async () => {
    let files: ModelFiles;
    try {
      files = await findModelFiles(options.dir, options.kind);
      lastProblem = undefined;
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== lastProblem) logger.warn({ err: error }, 'cannot read MODEL_DIR');
      lastProblem = problem;
      return;
    }
    if (files.fingerprint === options.served().fingerprint || files.fingerprint === refused) return;
    const from = options.served().origin;
    try {
      await options.swapIn(files);
      refused = undefined;
      options.metrics.countReload('swapped');
    } catch (error) {
      refused = files.fingerprint;
      options.metrics.countReload('failed');
      logger.error(
        { err: error, origin: files.origin, served: from },
        'new model refused; still serving the current one',
      );
    }
  };
  const check = () =>
    (running ??= look().finally(() => {
      running = undefined;
    }));
  const timer =
    options.pollMs > 0
      ? setInterval(() => {
          void check();
        }, options.pollMs)
      : undefined;
  timer?.unref();
  return {
    check,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

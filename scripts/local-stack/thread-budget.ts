/**
 * How many threads each model-service replica of the local stack may use, so that the processes
 * together fit the machine instead of each sizing its pools to every core: onnxruntime's
 * intra-op pool (INTRA_OP_THREADS) and libuv's pool, which runs sharp's image operations
 * (UV_THREADPOOL_SIZE; sharp itself gives each operation one libvips thread on glibc Linux).
 * A variable set in the environment of `npm start` wins for every replica.
 */
export const THREAD_VARIABLES = ['INTRA_OP_THREADS', 'UV_THREADPOOL_SIZE'] as const;

export type ThreadEnv = Record<(typeof THREAD_VARIABLES)[number], string>;

export interface ThreadBudgetInput {
  /** os.availableParallelism() */
  cores: number;
  detectorReplicas: number;
  classifierReplicas: number;
  /** The environment of `npm start`: explicit values override the computed ones. */
  env: Record<string, string | undefined>;
}

/**
 * Each replica gets an equal share of the cores for inference; its libuv pool gets a share
 * counting the function (in the stack's own process) as one more process, never below 2 (one
 * slow decode must not block the next call) nor above 4 (libuv's default).
 */
export function threadBudget(input: ThreadBudgetInput): ThreadEnv {
  const cores = Math.max(1, Math.floor(input.cores));
  const replicas = input.detectorReplicas + input.classifierReplicas;
  const inference = Math.max(1, Math.floor(cores / replicas));
  const pool = Math.min(4, Math.max(2, Math.floor(cores / (replicas + 1))));
  return {
    INTRA_OP_THREADS: input.env.INTRA_OP_THREADS ?? String(inference),
    UV_THREADPOOL_SIZE: input.env.UV_THREADPOOL_SIZE ?? String(pool),
  };
}

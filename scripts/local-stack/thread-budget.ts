/**
 * How many threads each process of the local stack may use, so that the processes together fit
 * the machine instead of each sizing its pools to every core: onnxruntime's intra-op pool
 * (INTRA_OP_THREADS), libvips' threads per image operation (VIPS_CONCURRENCY, read by sharp's
 * libvips at start) and libuv's pool that runs sharp's and the file system's work
 * (UV_THREADPOOL_SIZE). A variable set in the environment of `npm start` wins for every process.
 */
export const THREAD_VARIABLES = [
  'INTRA_OP_THREADS',
  'VIPS_CONCURRENCY',
  'UV_THREADPOOL_SIZE',
] as const;

export type ThreadEnv = Partial<Record<(typeof THREAD_VARIABLES)[number], string>>;

export interface ThreadBudget {
  /** Environment of every model-service replica. */
  service: ThreadEnv;
  /**
   * The function runs inside the stack's own process, whose libuv pool exists before any code
   * of the stack runs: only libvips' concurrency applies (through sharp.concurrency()).
   */
  function: Pick<ThreadEnv, 'VIPS_CONCURRENCY'>;
}

export interface ThreadBudgetInput {
  /** os.availableParallelism() */
  cores: number;
  detectorReplicas: number;
  classifierReplicas: number;
  /** The environment of `npm start`: explicit values override the computed ones. */
  env: Record<string, string | undefined>;
}

/**
 * Each replica gets an equal share of the cores for inference; image operations get a share
 * counting the function as one more process; libuv pools never go below 2 (one slow job must
 * not block the next) and never above 4 (libuv's default).
 */
export function threadBudget(input: ThreadBudgetInput): ThreadBudget {
  const cores = Math.max(1, Math.floor(input.cores));
  const replicas = input.detectorReplicas + input.classifierReplicas;
  const inference = Math.max(1, Math.floor(cores / replicas));
  const imaging = Math.max(1, Math.floor(cores / (replicas + 1)));
  const pool = Math.min(4, Math.max(2, imaging));
  const override = (computed: ThreadEnv): ThreadEnv =>
    Object.fromEntries(
      Object.entries(computed).map(([name, value]) => [name, input.env[name] ?? value]),
    );
  return {
    service: override({
      INTRA_OP_THREADS: String(inference),
      VIPS_CONCURRENCY: String(imaging),
      UV_THREADPOOL_SIZE: String(pool),
    }),
    function: override({ VIPS_CONCURRENCY: String(imaging) }),
  };
}

import { spawnComponent, type ComponentProcess } from '../lib/launcher.js';

export type ModelServiceName = 'detector' | 'classifier';

/** One running model-service process started by the local stack. */
export interface Replica {
  service: ModelServiceName;
  /** 0-based position among the replicas of its service. */
  index: number;
  /** `127.0.0.1:<grpcPort>`; stays the same across restarts. */
  grpcAddress: string;
  /** `unix:<path>` when the replica also serves on a Unix socket (GRPC_SOCKET). */
  grpcSocketAddress: string | undefined;
  grpcPort: number;
  metricsPort: number;
  /** `http://127.0.0.1:<metricsPort>/metrics` */
  metricsUrl: string;
  /** The current process id (changes on restart; undefined while stopped). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Times the process was started again after it exited unexpectedly. */
  readonly restarts: number;
  /**
   * Sends `signal` (default SIGTERM) and resolves with the exit code (null if killed by a
   * signal). A replica stopped this way stays down until restart().
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the process again on the same ports and waits until it serves. */
  restart(): Promise<void>;
  /** The last lines the process printed (for diagnostics). */
  recentOutput(): string[];
}

/** Delays before restarting a replica that exited by itself: doubling, capped. */
export interface RestartPolicy {
  /** First delay, ms (default 500). */
  initialDelayMs: number;
  /** Longest delay, ms (default 30 s). */
  maxDelayMs: number;
  /** A replica that served this long before exiting starts again from initialDelayMs (default 60 s). */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
};

/** The delay before restart number `attempt` (0-based) under `policy`. */
export function restartDelayMs(policy: RestartPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
}

export interface ReplicaOptions {
  service: ModelServiceName;
  index: number;
  /** 0 picks free ports on the first start. */
  grpcPort: number;
  metricsPort: number;
  env: Record<string, string>;
  /** Receives every output line of the process (e.g. to forward logs). */
  onLine?: (line: string, replica: string) => void;
  startTimeoutMs: number;
  /** Also serve on this Unix socket (GRPC_SOCKET); kept across restarts. */
  grpcSocket?: string;
  /**
   * Restart the process with backoff when it exits without stop() (crash, OOM kill, kill -9);
   * default DEFAULT_RESTART_POLICY; false leaves it down.
   */
  restartPolicy?: RestartPolicy | false;
  /** One human-readable line per unexpected exit and per restart (or failed restart). */
  onEvent?: (message: string, replica: string) => void;
}

/** Starts a model service as a child process and resolves once it logs its serving line. */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const name = `${options.service}-${options.index}`;
  let current: ComponentProcess | undefined;
  let ports = { grpcPort: options.grpcPort, metricsPort: options.metricsPort };
  let lastOutput: string[] = [];
  let launching: Promise<ComponentProcess> | undefined;

  const alive = (): boolean => current?.running === true;

  /** Starts the process on `ports` (free ones the first time, where 0) and watches its exit. */
  const launch = (): Promise<ComponentProcess> => {
    launching = spawnReplica(options, name, ports).then((proc) => {
      current = proc;
      ports = { grpcPort: proc.port, metricsPort: proc.metricsPort ?? ports.metricsPort };
      void proc.exited.then((how) => {
        lastOutput = proc.output();
        if (current === proc) supervisor.onExit(proc, how);
      });
      return proc;
    });
    return launching;
  };
  const supervisor = superviseRestarts(name, options, launch, alive);

  await launch();

  return {
    service: options.service,
    index: options.index,
    grpcPort: ports.grpcPort,
    metricsPort: ports.metricsPort,
    grpcAddress: `127.0.0.1:${ports.grpcPort}`,
    grpcSocketAddress: options.grpcSocket === undefined ? undefined : `unix:${options.grpcSocket}`,
    metricsUrl: `http://127.0.0.1:${ports.metricsPort}/metrics`,
    get pid() {
      return alive() ? current?.pid : undefined;
    },
    get running() {
      return alive();
    },
    get restarts() {
      return supervisor.restarts;
    },
    async stop(signal = 'SIGTERM') {
      supervisor.stop();
      await launching?.catch(() => undefined);
      if (!current) return null;
      const how = await current.stop(signal);
      return typeof how === 'number' ? how : null;
    },
    async restart() {
      if (alive()) throw new Error(`${name} is still running; stop() it first`);
      supervisor.cancelPending();
      await launch();
      supervisor.resume();
    },
    recentOutput: () => (alive() ? (current?.output() ?? []) : lastOutput),
  };
}

/** One start of the service's process on the given ports, resolved once it serves. */
function spawnReplica(
  options: ReplicaOptions,
  name: string,
  ports: { grpcPort: number; metricsPort: number },
): Promise<ComponentProcess> {
  return spawnComponent({
    component: options.service,
    name,
    env: {
      ...options.env,
      GRPC_PORT: String(ports.grpcPort),
      METRICS_PORT: String(ports.metricsPort),
      ...(options.grpcSocket === undefined ? {} : { GRPC_SOCKET: options.grpcSocket }),
    },
    startTimeoutMs: options.startTimeoutMs,
    onLine: (line) => options.onLine?.(line, name),
    keptLines: 50,
    detached: true,
  });
}

/**
 * Watches a replica for exits it did not ask for and starts it again under its restart policy
 * (doubling delays; back to the first delay after a long enough run), telling `onEvent` of each
 * unexpected exit, restart and failed restart. stop() ends the supervision until resume().
 */
function superviseRestarts(
  name: string,
  options: Pick<ReplicaOptions, 'restartPolicy' | 'onEvent'>,
  launch: () => Promise<ComponentProcess>,
  alive: () => boolean,
) {
  const policy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
  /** False after stop(): an exit is then expected and not followed by a restart. */
  let supervised = true;
  let attempt = 0;
  let restarts = 0;
  let pendingRestart: NodeJS.Timeout | undefined;

  const scheduleRestart = (): void => {
    if (policy === false || !supervised) return;
    const delay = restartDelayMs(policy, attempt);
    attempt += 1;
    options.onEvent?.(`${name}: restarting in ${(delay / 1000).toFixed(1)} s`, name);
    pendingRestart = setTimeout(() => {
      pendingRestart = undefined;
      if (!supervised || alive()) return;
      launch().then(
        (proc) => {
          if (!supervised) return; // stop() came while it was starting; stop() ends it
          restarts += 1;
          options.onEvent?.(`${name}: restarted (pid ${proc.pid}), serving again`, name);
        },
        (error: unknown) => {
          const first = (error as Error).message.split('\n', 1)[0] ?? '';
          options.onEvent?.(`${name}: restart failed: ${first}`, name);
          scheduleRestart();
        },
      );
    }, delay);
    pendingRestart.unref();
  };

  return {
    /** Restarts after the process ended by itself. */
    get restarts() {
      return restarts;
    },
    onExit(proc: ComponentProcess, how: number | string): void {
      if (!supervised) return;
      if (policy !== false && performance.now() - proc.readyAt >= policy.resetAfterMs) attempt = 0;
      options.onEvent?.(`${name} (pid ${proc.pid}) exited unexpectedly (${how})`, name);
      scheduleRestart();
    },
    /** From now on an exit is expected: no restart, and a pending one is cancelled. */
    stop(): void {
      supervised = false;
      clearTimeout(pendingRestart);
    },
    /** Cancels a pending restart (before a restart by hand). */
    cancelPending(): void {
      clearTimeout(pendingRestart);
    },
    /** Supervised again after a restart by hand, with the backoff from its first delay. */
    resume(): void {
      supervised = true;
      attempt = 0;
    },
  };
}

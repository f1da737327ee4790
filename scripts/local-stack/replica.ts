import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './repo-root.js';
import { parseServingLine, type ServingPorts } from './serving-line.js';

export type ModelServiceName = 'detector' | 'classifier';

/** One running model-service process started by the local stack. */
export interface Replica {
  service: ModelServiceName;
  /** 0-based position among the replicas of its service. */
  index: number;
  /** `127.0.0.1:<grpcPort>`; stays the same across restart(). */
  grpcAddress: string;
  grpcPort: number;
  metricsPort: number;
  /** `http://127.0.0.1:<metricsPort>/metrics` */
  metricsUrl: string;
  /** The current process id (changes on restart; undefined while stopped). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts the process again on the same ports and waits until it serves. */
  restart(): Promise<void>;
  /** The last lines the process printed (for diagnostics). */
  recentOutput(): string[];
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
}

const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));
const OUTPUT_LINES_KEPT = 50;

function spawnService(options: ReplicaOptions, ports: ServingPorts): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', '--import', EXIT_WITH_PARENT, `services/${options.service}/src/main.ts`],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...options.env,
        GRPC_PORT: String(ports.grpcPort),
        METRICS_PORT: String(ports.metricsPort),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: a terminal Ctrl-C reaches only the stack, which stops replicas in order.
      detached: true,
    },
  );
}

/** Starts a model service as a child process and resolves once it logs its serving line. */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const name = `${options.service}-${options.index}`;
  const output: string[] = [];
  let child: ChildProcess | undefined;
  const alive = (): boolean =>
    child !== undefined && child.exitCode === null && child.signalCode === null;
  let exited: Promise<number | null> = Promise.resolve(null);
  let ports: ServingPorts = { grpcPort: options.grpcPort, metricsPort: options.metricsPort };

  const remember = (line: string): void => {
    output.push(line);
    if (output.length > OUTPUT_LINES_KEPT) output.shift();
    options.onLine?.(line, name);
  };

  const launch = (): Promise<ServingPorts> => {
    const proc = spawnService(options, ports);
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        resolve(code);
      }),
    );
    return new Promise((resolve, reject) => {
      let waiting = true;
      const settle = (outcome: () => void): void => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        outcome();
      };
      const timer = setTimeout(() => {
        settle(() => {
          proc.kill('SIGKILL');
          reject(
            new Error(
              `${name} did not start within ${options.startTimeoutMs} ms:\n${output.join('\n')}`,
            ),
          );
        });
      }, options.startTimeoutMs);
      const onLine = (line: string): void => {
        remember(line);
        const serving = waiting ? parseServingLine(line) : undefined;
        if (serving)
          settle(() => {
            resolve(serving);
          });
      };
      for (const stream of [proc.stdout, proc.stderr]) {
        if (stream) createInterface({ input: stream }).on('line', onLine);
      }
      proc.once('exit', (code, signal) => {
        settle(() => {
          reject(
            new Error(`${name} exited (${signal ?? code}) before serving:\n${output.join('\n')}`),
          );
        });
      });
    });
  };

  ports = await launch();

  return {
    service: options.service,
    index: options.index,
    grpcPort: ports.grpcPort,
    metricsPort: ports.metricsPort,
    grpcAddress: `127.0.0.1:${ports.grpcPort}`,
    metricsUrl: `http://127.0.0.1:${ports.metricsPort}/metrics`,
    get pid() {
      return alive() ? child?.pid : undefined;
    },
    get running() {
      return alive();
    },
    async stop(signal = 'SIGTERM') {
      if (alive()) child?.kill(signal);
      return exited;
    },
    async restart() {
      if (alive()) {
        throw new Error(`${name} is still running; stop() it first`);
      }
      await launch();
    },
    recentOutput: () => [...output],
  };
}

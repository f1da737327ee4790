/**
 * The one way this repository starts its components as child processes: `npm start` (model
 * service replicas), the benchmarks and the tests. Each component runs as its own Node process,
 * either from TypeScript through tsx (development) or compiled to dist/ (what the images run);
 * output is read line by line and a readiness line tells when it serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readCpuMs } from './proc-stats.js';
import { productionEnv } from './production-env.js';
import { parseServingLine } from './ready-line.js';
import { REPO_ROOT } from './repo-root.js';

/** The exit code, or the name of the signal that ended the process. */
export type ExitStatus = number | NodeJS.Signals;

export interface LaunchOptions<Ready> {
  /** Used in error messages ("detector-0 exited (1) before serving"). */
  name: string;
  /** `node` options (e.g. --import tsx), then the entry point, last. */
  args: string[];
  /** Merged over this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Reads each output line; the launch resolves on the first line it returns a value for.
   * Without it, the launch resolves as soon as the process is spawned.
   */
  ready?: (line: string, pid: number) => Ready | undefined;
  /** Default 120 s; then the process is killed and the launch rejects with its output. */
  startTimeoutMs?: number;
  /** Every stdout/stderr line, as it comes. */
  onLine?: (line: string) => void;
  /** Lines kept for diagnostics (default 200). */
  keptLines?: number;
  /**
   * Preloads scripts/lib/exit-with-parent and opens an IPC channel: the child shuts down when
   * this process goes away, even by SIGKILL.
   */
  exitWithParent?: boolean;
  /** Own process group: a terminal Ctrl-C reaches only the parent, which stops children in order. */
  detached?: boolean;
}

export interface LaunchedProcess<Ready> {
  name: string;
  child: ChildProcess;
  pid: number;
  /** What `ready` returned for the readiness line (undefined without `ready`). */
  ready: Ready;
  /** performance.now() at spawn and when the ready line was read. */
  spawnedAt: number;
  readyAt: number;
  readonly running: boolean;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` (default SIGTERM), waits for the exit; SIGKILL after `killAfterMs` (default 20 s). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<ExitStatus>;
  /** The last lines it printed. */
  output(): string[];
}

const EXIT_WITH_PARENT_TS = `${REPO_ROOT}scripts/lib/exit-with-parent.ts`;
const EXIT_WITH_PARENT_JS = `${REPO_ROOT}dist/scripts/lib/exit-with-parent.js`;

/** A process spawned by startProcess(): usable at once, `readiness` settles on its ready line. */
export interface StartedProcess<Ready> extends Omit<LaunchedProcess<Ready>, 'ready' | 'readyAt'> {
  readiness: Promise<Ready>;
}

/** Spawns `node <args>` now; `readiness` resolves once `ready` has seen its readiness line. */
export function startProcess<Ready = undefined>(
  options: LaunchOptions<Ready>,
): StartedProcess<Ready> {
  const spawnedAt = performance.now();
  const child = spawnNode(options);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(signal ?? code ?? -1);
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const { lines, readiness } = readOutput(child, exited, options);
  return {
    name: options.name,
    child,
    pid: child.pid ?? -1,
    readiness,
    spawnedAt,
    get running() {
      return running();
    },
    exited,
    async stop(signal = 'SIGTERM', killAfterMs = 20_000) {
      if (running()) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
    output: () => [...lines],
  };
}

/** `node <args>` as a child process, with the exit-with-parent preload and IPC channel if asked. */
function spawnNode(options: LaunchOptions<unknown>): ChildProcess {
  // The preload goes right before the entry point, after any --import tsx it needs.
  const preload = options.exitWithParent
    ? [
        '--import',
        options.args.includes('tsx') || !existsSync(EXIT_WITH_PARENT_JS)
          ? EXIT_WITH_PARENT_TS
          : EXIT_WITH_PARENT_JS,
      ]
    : [];
  const args = [...options.args.slice(0, -1), ...preload, ...options.args.slice(-1)];
  return spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: options.exitWithParent ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

/**
 * Reads the child's stdout and stderr line by line: keeps the last `keptLines` (for
 * diagnostics), passes each to `onLine`, and resolves `readiness` on the first line that `ready`
 * returns a value for (at once without `ready`). `readiness` rejects with the output so far when
 * the child exits first, or after `startTimeoutMs`, when the child is killed.
 */
function readOutput<Ready>(
  child: ChildProcess,
  exited: Promise<ExitStatus>,
  options: LaunchOptions<Ready>,
): { lines: string[]; readiness: Promise<Ready> } {
  const { name, startTimeoutMs = 120_000, keptLines = 200 } = options;
  const lines: string[] = [];
  let onReady: ((value: Ready) => void) | undefined;
  const readiness = new Promise<Ready>((resolve, reject) => {
    onReady = resolve;
    if (!options.ready) {
      resolve(undefined as Ready);
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${startTimeoutMs} ms:\n${lines.join('\n')}`));
    }, startTimeoutMs);
    onReady = (value) => {
      clearTimeout(timer);
      resolve(value);
    };
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${how}) before serving:\n${lines.join('\n')}`));
    });
  });
  let waiting = options.ready !== undefined;
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > keptLines) lines.shift();
    options.onLine?.(line);
    if (!waiting) return;
    const value = options.ready?.(line, child.pid ?? -1);
    if (value !== undefined) {
      waiting = false;
      onReady?.(value);
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  return { lines, readiness };
}

/** Spawns `node <args>` and resolves once `ready` has seen its readiness line. */
export async function launch<Ready = undefined>(
  options: LaunchOptions<Ready>,
): Promise<LaunchedProcess<Ready>> {
  const started = startProcess(options);
  const ready = await started.readiness;
  return Object.assign(started, { ready, readyAt: performance.now() });
}

export type Component = 'detector' | 'classifier' | 'function';
/**
 * tsx: run the .ts sources (tsx adds to the memory); dist: the compiled JavaScript with the
 * images' runtime tuning (NODE_ENV, malloc settings from the Dockerfiles), as in production.
 */
export type Runtime = 'tsx' | 'dist';

const ENTRY: Record<Component, string> = {
  detector: 'services/detector/src/main',
  classifier: 'services/classifier/src/main',
  function: 'function/src/main',
};

export function distEntry(component: Component): string {
  return `${REPO_ROOT}dist/${ENTRY[component]}.js`;
}

function commandLine(component: Component, runtime: Runtime): string[] {
  if (runtime === 'tsx') return ['--import', 'tsx', `${REPO_ROOT}${ENTRY[component]}.ts`];
  const entry = distEntry(component);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  return ['--enable-source-maps', entry];
}

export interface ReadyPorts {
  /** gRPC port (model services) or HTTP port (function). */
  port: number;
  /** Model services only. */
  metricsPort?: number;
}

/** The `serving` line of a model service or the `listening` line of the function. */
export function parseReadyLine(line: string, component: Component): ReadyPorts | undefined {
  if (component !== 'function') {
    const serving = parseServingLine(line);
    return serving && { port: serving.grpcPort, metricsPort: serving.metricsPort };
  }
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return record.msg === 'listening' && typeof record.port === 'number'
      ? { port: record.port }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface ComponentProcess extends LaunchedProcess<ReadyPorts> {
  component: Component;
  port: number;
  metricsPort?: number;
  /** CPU time (every thread) the process had used when its ready line was read, ms. */
  cpuMsAtReady: number;
}

export interface SpawnOptions {
  component: Component;
  runtime?: Runtime;
  /** Merged over the defaults: LOG_LEVEL=info, free ports, loopback (function: no web page). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Every stdout/stderr line (e.g. to watch logs). */
  onLine?: (line: string) => void;
  /** Name in messages; default the component. */
  name?: string;
  keptLines?: number;
  detached?: boolean;
}

/** Starts one component (exiting with this process) and resolves once it has logged that it serves. */
export async function spawnComponent(options: SpawnOptions): Promise<ComponentProcess> {
  const { component, runtime = 'tsx' } = options;
  let cpuMsAtReady = NaN;
  const launched = await launch<ReadyPorts>({
    name: options.name ?? component,
    args: commandLine(component, runtime),
    env: {
      LOG_LEVEL: 'info',
      ...(runtime === 'dist' ? productionEnv(component) : {}),
      ...(component === 'function'
        ? { PORT: '0', HOST: '127.0.0.1', SERVE_WEB: 'false' }
        : { GRPC_PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1' }),
      ...options.env,
    },
    ready: (line, pid) => {
      const ports = parseReadyLine(line, component);
      if (ports) {
        try {
          cpuMsAtReady = readCpuMs(pid);
        } catch {
          cpuMsAtReady = NaN;
        }
      }
      return ports;
    },
    startTimeoutMs: options.startTimeoutMs,
    onLine: options.onLine,
    keptLines: options.keptLines,
    exitWithParent: true,
    detached: options.detached,
  });
  return Object.assign(launched, {
    component,
    port: launched.ready.port,
    metricsPort: launched.ready.metricsPort,
    cpuMsAtReady,
  });
}

/**
 * Components as child processes, the way they run in production: each its own Node process,
 * either from TypeScript through tsx (development) or compiled to dist/ (what the images
 * run). Used by the benchmarks and the reliability tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../scripts/local-stack/repo-root.js';
import { parseServingLine } from '../../scripts/local-stack/serving-line.js';
import { productionEnv } from './production-env.js';

export type Component = 'detector' | 'classifier' | 'function';
/**
 * tsx: run the .ts sources (tsx adds ~50 MB of RSS); dist: the compiled JavaScript with the
 * images' runtime tuning (NODE_ENV, malloc settings from the Dockerfiles), as in production.
 */
export type Runtime = 'tsx' | 'dist';

export interface ComponentProcess {
  component: Component;
  pid: number;
  child: ChildProcess;
  /** gRPC port (model services) or HTTP port (function). */
  port: number;
  /** Model services only. */
  metricsPort?: number;
  /** performance.now() at spawn and when the ready line was read. */
  spawnedAt: number;
  readyAt: number;
  /** CPU time (every thread) the process had used when its ready line was read, ms. */
  cpuMsAtReady: number;
  readonly running: boolean;
  /** Resolves with the exit code, or the signal name, once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM), waits for the exit; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | string>;
  /** The last lines it printed. */
  output(): string[];
}

export interface SpawnOptions {
  component: Component;
  runtime?: Runtime;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Every stdout/stderr line (e.g. to watch logs). */
  onLine?: (line: string) => void;
}

const ENTRY: Record<Component, string> = {
  detector: 'services/detector/src/main',
  classifier: 'services/classifier/src/main',
  function: 'function/src/main',
};
const EXIT_WITH_PARENT = 'scripts/local-stack/exit-with-parent';
const KEPT_LINES = 200;

export function distEntry(component: Component): string {
  return `${REPO_ROOT}dist/${ENTRY[component]}.js`;
}

function commandLine(component: Component, runtime: Runtime): string[] {
  if (runtime === 'tsx') {
    return [
      '--import',
      'tsx',
      '--import',
      `${REPO_ROOT}${EXIT_WITH_PARENT}.ts`,
      `${REPO_ROOT}${ENTRY[component]}.ts`,
    ];
  }
  const entry = distEntry(component);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  return ['--enable-source-maps', '--import', `${REPO_ROOT}dist/${EXIT_WITH_PARENT}.js`, entry];
}

interface ReadyPorts {
  port: number;
  metricsPort?: number;
}

/** The `serving` line of a model service (the local stack's parser) or the `listening` line of the function. */
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

/** Starts one component and resolves once it has logged that it serves. */
export async function spawnComponent(options: SpawnOptions): Promise<ComponentProcess> {
  const { component, runtime = 'tsx', startTimeoutMs = 120_000 } = options;
  const lines: string[] = [];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, commandLine(component, runtime), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      ...(runtime === 'dist' ? productionEnv(component) : {}),
      ...(component === 'function'
        ? { PORT: '0', HOST: '127.0.0.1', SERVE_WEB: 'false' }
        : { GRPC_PORT: '0', METRICS_PORT: '0' }),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(signal ?? code ?? -1);
    });
  });
  let cpuMsAtReady = NaN;
  const ready = new Promise<ReadyPorts>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${component} did not start within ${startTimeoutMs} ms:\n${lines.join('\n')}`),
      );
    }, startTimeoutMs);
    const onLine = (line: string): void => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      options.onLine?.(line);
      const ports = parseReadyLine(line, component);
      if (ports) {
        clearTimeout(timer);
        try {
          cpuMsAtReady = readCpuMs(child.pid ?? -1);
        } catch {
          cpuMsAtReady = NaN;
        }
        resolve(ports);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', onLine);
    }
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${component} exited (${how}) before serving:\n${lines.join('\n')}`));
    });
  });
  const ports = await ready;
  const readyAt = performance.now();
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    component,
    pid: child.pid ?? -1,
    child,
    port: ports.port,
    metricsPort: ports.metricsPort,
    spawnedAt,
    readyAt,
    cpuMsAtReady,
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

export interface ProcessMemory {
  /** Current resident set, MiB. */
  rssMiB: number;
  /** Peak resident set since the process started (VmHWM), MiB. */
  peakRssMiB: number;
}

/** Reads VmRSS and VmHWM of a live process from /proc (Linux). */
export function readMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** True while a process with this id exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** CPU time (user + system, every thread) a live process has used so far, in ms (10 ms resolution). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

/** CPU time of this process (every thread: workers, libuv, onnxruntime), in ms. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

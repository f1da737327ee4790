/**
 * The deployed shape on one machine: detector, classifier and function each in its own
 * process (the local stack of `npm start` keeps the function inside its own process; here it
 * must be separate so that its memory, its crashes and its SIGTERM can be observed).
 */
import { spawnComponent, type Component, type ComponentProcess, type Runtime } from './launcher.js';

export interface ManagedComponent {
  component: Component;
  /** The running process (replaced by restart()). */
  readonly process: ComponentProcess;
  readonly pid: number;
  readonly port: number;
  /** Starts it again on the same ports (after it was stopped or killed). */
  restart(): Promise<ComponentProcess>;
}

export interface ProcessStack {
  /** http://127.0.0.1:<function port> */
  url: string;
  detector: ManagedComponent;
  classifier: ManagedComponent;
  function: ManagedComponent;
  all(): ManagedComponent[];
  /** SIGTERM to every process (function first), SIGKILL for stragglers. */
  stop(): Promise<void>;
}

export interface ProcessStackOptions {
  runtime?: Runtime;
  /** Environment of both model services (e.g. INTRA_OP_THREADS, MAX_QUEUE). */
  serviceEnv?: Record<string, string>;
  functionEnv?: Record<string, string>;
  onLine?: (line: string, component: Component) => void;
}

function manage(
  first: ComponentProcess,
  relaunch: (ports: Record<string, string>) => Promise<ComponentProcess>,
): ManagedComponent {
  let current = first;
  const samePorts: Record<string, string> =
    first.component === 'function'
      ? { PORT: String(first.port) }
      : { GRPC_PORT: String(first.port), METRICS_PORT: String(first.metricsPort ?? 0) };
  return {
    component: first.component,
    get process() {
      return current;
    },
    get pid() {
      return current.pid;
    },
    port: first.port,
    async restart() {
      if (current.running) throw new Error(`${first.component} is still running`);
      current = await relaunch(samePorts);
      return current;
    },
  };
}

export async function startProcessStack(options: ProcessStackOptions = {}): Promise<ProcessStack> {
  const runtime = options.runtime ?? 'tsx';
  const start = (component: Component, env: Record<string, string>) =>
    spawnComponent({
      component,
      runtime,
      env,
      onLine: options.onLine ? (line) => options.onLine?.(line, component) : undefined,
    });
  const services = await Promise.allSettled([
    start('detector', { ...options.serviceEnv }),
    start('classifier', { ...options.serviceEnv }),
  ]);
  const started = services.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = services.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    throw failed.reason;
  }
  const [detectorProcess, classifierProcess] = started as [ComponentProcess, ComponentProcess];
  const functionEnv = {
    DETECTOR_ADDR: `127.0.0.1:${detectorProcess.port}`,
    CLASSIFIER_ADDR: `127.0.0.1:${classifierProcess.port}`,
    ...options.functionEnv,
  };
  let functionProcess: ComponentProcess;
  try {
    functionProcess = await start('function', functionEnv);
  } catch (error) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    throw error;
  }
  const detector = manage(detectorProcess, (ports) =>
    start('detector', { ...options.serviceEnv, ...ports }),
  );
  const classifier = manage(classifierProcess, (ports) =>
    start('classifier', { ...options.serviceEnv, ...ports }),
  );
  const fn = manage(functionProcess, (ports) => start('function', { ...functionEnv, ...ports }));
  const all = () => [fn, detector, classifier];
  return {
    url: `http://127.0.0.1:${functionProcess.port}`,
    detector,
    classifier,
    function: fn,
    all,
    async stop() {
      await fn.process.stop('SIGTERM', 15_000);
      await Promise.all([detector, classifier].map((c) => c.process.stop('SIGTERM', 15_000)));
    },
  };
}

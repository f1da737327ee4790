/**
 * The deployed shape on one machine: detector, classifier and function each in its own
 * process (the local stack of `npm start` keeps the function inside its own process; here it
 * must be separate so that its memory, its crashes and its SIGTERM can be observed).
 */
import { createSocketDir } from './socket-dir.js';
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
  /**
   * How the function reaches the services: `tcp` (default) over loopback ports, as separate
   * pods do; `unix` over Unix sockets (GRPC_SOCKET), as processes on one host can.
   */
  transport?: 'tcp' | 'unix';
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
  const socketDir = options.transport === 'unix' ? createSocketDir('banana-bench-') : undefined;
  const socketEnv = (service: 'detector' | 'classifier'): Record<string, string> =>
    socketDir === undefined ? {} : { GRPC_SOCKET: socketDir.socket(service) };
  const serviceEnv = (service: 'detector' | 'classifier') => ({
    ...options.serviceEnv,
    ...socketEnv(service),
  });
  const removeSocketDir = () => {
    socketDir?.remove();
  };
  const target = (service: 'detector' | 'classifier', port: number) =>
    socketDir === undefined ? `127.0.0.1:${port}` : `unix:${socketEnv(service).GRPC_SOCKET ?? ''}`;
  const start = (component: Component, env: Record<string, string>) =>
    spawnComponent({
      component,
      runtime,
      env,
      onLine: options.onLine ? (line) => options.onLine?.(line, component) : undefined,
    });
  const services = await Promise.allSettled([
    start('detector', serviceEnv('detector')),
    start('classifier', serviceEnv('classifier')),
  ]);
  const started = services.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = services.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    removeSocketDir();
    throw failed.reason;
  }
  const [detectorProcess, classifierProcess] = started as [ComponentProcess, ComponentProcess];
  const functionEnv = {
    DETECTOR_ADDR: target('detector', detectorProcess.port),
    CLASSIFIER_ADDR: target('classifier', classifierProcess.port),
    ...options.functionEnv,
  };
  let functionProcess: ComponentProcess;
  try {
    functionProcess = await start('function', functionEnv);
  } catch (error) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    removeSocketDir();
    throw error;
  }
  const detector = manage(detectorProcess, (ports) =>
    start('detector', { ...serviceEnv('detector'), ...ports }),
  );
  const classifier = manage(classifierProcess, (ports) =>
    start('classifier', { ...serviceEnv('classifier'), ...ports }),
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
      removeSocketDir();
    },
  };
}

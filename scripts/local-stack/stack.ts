import { availableParallelism } from 'node:os';
import type { LogLevel } from '../../lib/config/index.js';
import { DEFAULT_FUNCTION_CONFIG, type FunctionConfig } from '../../function/src/config.js';
import { FUNCTION_PROCESS } from '../../function/src/process.js';
import type { FunctionServer } from '../../function/src/server.js';
import { createLogger } from '../../lib/log/index.js';
import { startProcess } from '../../lib/process/run-main.js';
import { createSocketDir, type SocketDir } from '../lib/socket-dir.js';
import {
  startReplica,
  type ModelServiceName,
  type Replica,
  type RestartPolicy,
} from './replica.js';
import { threadBudget, type ThreadEnv } from './thread-budget.js';

export type { Replica } from './replica.js';

export interface BasePorts {
  grpc: number;
  metrics: number;
}

export interface LocalStackOptions {
  /** Default 1. */
  detectorReplicas?: number;
  /** Default 1. */
  classifierReplicas?: number;
  /** HTTP port of the function; default 0 (a free port). */
  functionPort?: number;
  /**
   * Ports of replica 0; replica i uses base + 2i (so detector and classifier ports interleave,
   * e.g. 50051/50053 and 50052/50054). Default 0 = free ports.
   */
  detectorPorts?: BasePorts;
  classifierPorts?: BasePorts;
  /** Extra settings for the in-process function (deadlines, limits...). */
  functionConfig?: Partial<FunctionConfig>;
  /** Extra environment for every model-service process (e.g. MAX_QUEUE). */
  serviceEnv?: Record<string, string>;
  /**
   * Log level of the function; default 'warn'. Replicas log at least at 'info' (their
   * "serving" line tells the stack their ports); their lines go to onServiceLine only.
   */
  logLevel?: LogLevel;
  /** Receives every line the model services print, with the replica name ("detector-0"). */
  onServiceLine?: (line: string, replica: string) => void;
  /** How long a replica may take to load and warm up its model; default 120 s. */
  startTimeoutMs?: number;
  /** Restarting replicas that exit by themselves; default DEFAULT_RESTART_POLICY, false: never. */
  restartPolicy?: RestartPolicy | false;
  /** A replica exited unexpectedly, is restarting, or restarted (one line each). */
  onReplicaEvent?: (message: string, replica: string) => void;
  /**
   * How the function reaches a service that runs one replica: `unix` (default) over the
   * replica's Unix socket, `tcp` over its port. Several replicas, or TLS to the services,
   * always go over TCP (a round-robin list of ports; TLS names the host).
   */
  transport?: 'unix' | 'tcp';
}

export interface LocalStack {
  /** `http://127.0.0.1:<port>`: POST a photo here, GET it for the web tester. */
  functionUrl: string;
  functionServer: FunctionServer;
  /** The configuration the function runs with (reuse it to start another function on the same replicas). */
  functionConfig: Partial<FunctionConfig>;
  detectors: Replica[];
  classifiers: Replica[];
  /** The thread settings every replica was given. */
  threads: ThreadEnv;
  /** Stops the function (draining requests), then every replica; leaves no process behind. */
  stop(): Promise<void>;
}

const NO_PORTS: BasePorts = { grpc: 0, metrics: 0 };
const STOP_TIMEOUT_MS = 15_000;

const portFor = (base: number, index: number): number => (base === 0 ? 0 : base + 2 * index);

async function stopReplica(replica: Replica): Promise<void> {
  const forced = setTimeout(() => void replica.stop('SIGKILL'), STOP_TIMEOUT_MS);
  await replica.stop('SIGTERM');
  clearTimeout(forced);
}

/**
 * Runs the whole system on localhost (everything bound to 127.0.0.1): each model-service
 * replica as a real child process (so tests can stop, kill and restart them; one that exits by
 * itself is restarted with backoff), and the function in this process, spreading its calls
 * round-robin over the replicas.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const detectorReplicas = options.detectorReplicas ?? 1;
  const classifierReplicas = options.classifierReplicas ?? 1;
  const logLevel = options.logLevel ?? 'warn';
  const threads = threadBudget({
    cores: availableParallelism(),
    detectorReplicas,
    classifierReplicas,
    env: process.env,
  });
  // Every replica also listens on a Unix socket in a directory of its own.
  const socketDir = createSocketDir('banana-stack-');
  const removeSocketDir = () => {
    socketDir.remove();
  };
  let started: Replica[];
  try {
    started = await startReplicas(options, threads, socketDir);
  } catch (error) {
    removeSocketDir();
    throw error;
  }
  const detectors = started.filter((r) => r.service === 'detector');
  const classifiers = started.filter((r) => r.service === 'classifier');

  const useSockets =
    (options.transport ?? 'unix') === 'unix' && options.functionConfig?.grpcTls === undefined;
  try {
    const functionConfig: Partial<FunctionConfig> = {
      host: '127.0.0.1',
      port: options.functionPort ?? 0,
      logLevel,
      detectorAddress: functionAddress(detectors, useSockets),
      classifierAddress: functionAddress(classifiers, useSockets),
      ...options.functionConfig,
    };
    // The function's own process entry, in this process: tracing from the OTEL_* variables
    // (which the replicas inherit too), so one request is one trace across the three.
    const fn = await startProcess(
      FUNCTION_PROCESS,
      { ...DEFAULT_FUNCTION_CONFIG, ...functionConfig },
      process.env,
      createLogger('function', logLevel),
    );
    const functionServer = fn.server;
    return {
      functionUrl: functionServer.url,
      functionServer,
      functionConfig,
      detectors,
      classifiers,
      threads,
      async stop() {
        await fn.shutdown();
        await Promise.all(started.map(stopReplica));
        removeSocketDir();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map(stopReplica));
    removeSocketDir();
    throw error;
  }
}

/** The function's target for a service: its one replica's Unix socket, else the TCP ports. */
function functionAddress(replicas: readonly Replica[], useSockets: boolean): string {
  const [only] = replicas;
  if (useSockets && replicas.length === 1 && only?.grpcSocketAddress !== undefined) {
    return only.grpcSocketAddress;
  }
  return replicas.map((r) => r.grpcAddress).join(',');
}

/** Every replica at once; if any fails to start, the others are stopped before it is reported. */
async function startReplicas(
  options: LocalStackOptions,
  threads: ThreadEnv,
  socketDir: SocketDir,
): Promise<Replica[]> {
  const logLevel = options.logLevel ?? 'warn';
  const startService = (service: ModelServiceName, count: number, base: BasePorts) =>
    Array.from({ length: count }, (_, index) =>
      startReplica({
        service,
        index,
        grpcPort: portFor(base.grpc, index),
        metricsPort: portFor(base.metrics, index),
        grpcSocket: socketDir.socket(`${service}-${index}`),
        env: {
          LOG_LEVEL: logLevel === 'debug' || logLevel === 'trace' ? logLevel : 'info',
          ...threads,
          ...options.serviceEnv,
        },
        onLine: options.onServiceLine,
        restartPolicy: options.restartPolicy,
        onEvent: options.onReplicaEvent,
        startTimeoutMs: options.startTimeoutMs ?? 120_000,
      }),
    );
  const outcomes = await Promise.allSettled([
    ...startService('detector', options.detectorReplicas ?? 1, options.detectorPorts ?? NO_PORTS),
    ...startService(
      'classifier',
      options.classifierReplicas ?? 1,
      options.classifierPorts ?? NO_PORTS,
    ),
  ]);
  const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) {
    await Promise.allSettled(started.map(stopReplica));
    throw failure.reason;
  }
  return started;
}

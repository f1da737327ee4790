/**
 * npm run bench [-- limit|floor|e2e|batching|cold-start|memory|event-loop|camera|tracing|overload|admission|fairness|one-process|model-swap|device|all ...] [--quick] [--threads N] [--transport unix|tcp]
 * Prints a table per benchmark and writes bench/results/<name>.json.
 */
import { readCli } from '../scripts/lib/cli.js';
import { benchUsage, parseBenchArgs } from './args.js';
import { runBatching } from './batching.js';
import { runCamera } from './camera.js';
import { runDevice } from './device.js';
import { runColdStart } from './cold-start.js';
import { runE2e } from './e2e.js';
import { runEventLoop } from './event-loop.js';
import { runFairness } from './fairness.js';
import { runFloor } from './floor.js';
import { runLimit } from './limit.js';
import { createContext, type BenchContext } from './harness/context.js';
import { machineInfo } from './harness/machine.js';
import { runMemory } from './memory.js';
import { runModelSwap } from './model-swap.js';
import { runAdmission } from './admission.js';
import { runOverload } from './overload.js';
import { runOneProcess } from './one-process.js';
import { runTracing } from './tracing.js';

const BENCHMARKS: Record<string, (context: BenchContext) => Promise<unknown>> = {
  limit: runLimit,
  floor: runFloor,
  e2e: runE2e,
  batching: runBatching,
  'cold-start': runColdStart,
  memory: runMemory,
  'event-loop': runEventLoop,
  camera: runCamera,
  tracing: runTracing,
  overload: runOverload,
  admission: runAdmission,
  fairness: runFairness,
  'one-process': runOneProcess,
  'model-swap': runModelSwap,
  device: runDevice,
};

const args = readCli(benchUsage(Object.keys(BENCHMARKS)), (argv) =>
  parseBenchArgs(argv, Object.keys(BENCHMARKS)),
);
const context = createContext({
  quick: args.quick,
  intraOpThreads: args.threads,
  transport: args.transport,
});
const machine = machineInfo();
console.log(
  `machine: ${machine.cpuModel}, ${machine.availableParallelism} cores available, ${machine.totalMemoryMiB} MiB, load average ${machine.loadAverage1m}; node ${machine.node}; ONNX intra-op threads ${context.intraOpThreads}; function to services over ${context.transport}${args.quick ? '; QUICK mode' : ''}`,
);
const started = performance.now();
for (const name of args.names) {
  const benchStarted = performance.now();
  console.log(`\n== ${name} ==`);
  await BENCHMARKS[name]?.(context);
  console.log(`(${name}: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s)`);
}
console.log(
  `\nall done in ${((performance.now() - started) / 1000).toFixed(0)} s; results in bench/results/`,
);
// Child processes are gone; pending keep-alive handles must not keep the process alive.
process.exit(0);

/**
 * npm run bench [-- floor|e2e|batching|cold-start|memory|event-loop|all ...] [--quick] [--threads N]
 * Prints a table per benchmark and writes bench/results/<name>.json.
 */
import { runBatching } from './batching.js';
import { runCamera } from './camera.js';
import { runColdStart } from './cold-start.js';
import { runE2e } from './e2e.js';
import { runEventLoop } from './event-loop.js';
import { runFloor } from './floor.js';
import { createContext, type BenchContext } from './harness/context.js';
import { machineInfo } from './harness/machine.js';
import { runMemory } from './memory.js';

const BENCHMARKS: Record<string, (context: BenchContext) => Promise<unknown>> = {
  floor: runFloor,
  e2e: runE2e,
  batching: runBatching,
  'cold-start': runColdStart,
  memory: runMemory,
  'event-loop': runEventLoop,
  camera: runCamera,
};

const USAGE = `Usage: npm run bench -- [${Object.keys(BENCHMARKS).join('|')}|all ...] [--quick] [--threads N]
  --quick      fewer samples and shorter runs (development; rough numbers)
  --threads N  ONNX intra-op threads for the floor and the services (default: all cores)`;

function parseArgs(argv: string[]): { names: string[]; quick: boolean; threads?: number } {
  const names: string[] = [];
  let quick = false;
  let threads: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') quick = true;
    else if (arg === '--threads') threads = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === 'all') names.push(...Object.keys(BENCHMARKS));
    else if (arg in BENCHMARKS) names.push(arg);
    else {
      console.error(`unknown benchmark or option "${arg}"\n${USAGE}`);
      process.exit(2);
    }
  }
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    console.error('--threads needs a whole number >= 1');
    process.exit(2);
  }
  return {
    names: names.length > 0 ? [...new Set(names)] : Object.keys(BENCHMARKS),
    quick,
    threads,
  };
}

const args = parseArgs(process.argv.slice(2));
const context = createContext({ quick: args.quick, intraOpThreads: args.threads });
const machine = machineInfo();
console.log(
  `machine: ${machine.cpuModel}, ${machine.availableParallelism} cores available, ${machine.totalMemoryMiB} MiB, load average ${machine.loadAverage1m}; node ${machine.node}; ONNX intra-op threads ${context.intraOpThreads}${args.quick ? '; QUICK mode' : ''}`,
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

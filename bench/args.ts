import { parseArgs } from 'node:util';
import { integerFlag, UsageError } from '../scripts/lib/cli.js';

export interface BenchArgs {
  /** Benchmarks to run, in the order given, without repeats. */
  names: string[];
  quick: boolean;
  threads?: number;
  transport: 'unix' | 'tcp';
}

export function benchUsage(benchmarks: readonly string[]): string {
  return `Usage: npm run bench -- [${benchmarks.join('|')}|all ...] [options]
Runs the benchmarks named (default all), prints a table per benchmark and writes
bench/results/<name>.json.

Options:
  --quick      fewer samples and shorter runs (development; rough numbers)
  --threads N  ONNX intra-op threads for the floor and the services, 1..256 (default: all cores)
  --transport unix|tcp
               how the function reaches the services: Unix sockets (default, as npm start
               and co-located containers) or loopback TCP (as separate pods)
  -h, --help   show this help`;
}

export function parseBenchArgs(argv: string[], benchmarks: readonly string[]): BenchArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      threads: { type: 'string' },
      transport: { type: 'string', default: 'unix' },
    },
    strict: true,
    allowPositionals: true,
  });
  const names: string[] = [];
  for (const name of positionals) {
    if (name === 'all') names.push(...benchmarks);
    else if (benchmarks.includes(name)) names.push(name);
    else throw new UsageError(`unknown benchmark "${name}"`);
  }
  const { transport } = values;
  if (transport !== 'unix' && transport !== 'tcp') {
    throw new UsageError(`--transport takes unix or tcp, got "${transport}"`);
  }
  return {
    transport,
    names: names.length > 0 ? [...new Set(names)] : [...benchmarks],
    quick: values.quick,
    threads:
      values.threads === undefined ? undefined : integerFlag('--threads', values.threads, 1, 256),
  };
}

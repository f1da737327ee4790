/** Command-line flags of `npm start`. */
export interface StackArgs {
  detectorReplicas: number;
  classifierReplicas: number;
  port: number;
  verbose: boolean;
  help: boolean;
}

/** The function's port under `npm start`; the CLI's default URL points here. */
export const DEFAULT_PORT = 8080;

export const STACK_USAGE = `Usage: npm start -- [options]
  --detector-replicas N    detector processes (default 1; ports 50051, 50053, ...)
  --classifier-replicas N  classifier processes (default 1; ports 50052, 50054, ...)
  --port N                 HTTP port of the function and web tester (default ${DEFAULT_PORT})
  --verbose                print every log line of every component
  --help                   show this help`;

function positiveInteger(flag: string, value: string | undefined, max: number): number {
  const number = Number(value);
  if (value === undefined || !Number.isInteger(number) || number < 1 || number > max) {
    throw new Error(`${flag} needs a whole number from 1 to ${max}, got ${value ?? 'nothing'}`);
  }
  return number;
}

export function parseStackArgs(argv: readonly string[]): StackArgs {
  const args: StackArgs = {
    detectorReplicas: 1,
    classifierReplicas: 1,
    port: DEFAULT_PORT,
    verbose: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = (argv[i] ?? '').split('=', 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--detector-replicas':
        args.detectorReplicas = positiveInteger(flag, value(), 16);
        break;
      case '--classifier-replicas':
        args.classifierReplicas = positiveInteger(flag, value(), 16);
        break;
      case '--port':
        args.port = positiveInteger(flag, value(), 65535);
        break;
      case '--verbose':
        args.verbose = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return args;
}

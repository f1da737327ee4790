import { parseArgs } from 'node:util';
import { integerFlag, userPath } from '../lib/cli.js';

/** Command-line flags of `npm start`. */
export interface StackArgs {
  detectorReplicas: number;
  classifierReplicas: number;
  port: number;
  verbose: boolean;
  /** Mutual TLS and API keys between the function and the services (certificates made at start). */
  tls: boolean;
  /** Keys the function and the services require of callers (--api-keys, default $API_KEYS_FILE). */
  apiKeysFile?: string;
}

/** The function's port under `npm start`; the CLI's default URL points here. */
export const DEFAULT_PORT = 8080;

export const STACK_USAGE = `Usage: npm start -- [options]
Runs the detector, the classifier and the function with the web tester on 127.0.0.1.
A replica that exits by itself is reported here and restarted with backoff.

Options:
  --detector-replicas N    detector processes, 1..16 (default 1; ports 50051, 50053, ...)
  --classifier-replicas N  classifier processes, 1..16 (default 1; ports 50052, 50054, ...)
  --port N                 HTTP port of the function and web tester (default ${DEFAULT_PORT})
  --verbose                print every log line of every component
  --tls                    mutual TLS and API keys on the model services, from a CA and
                           certificates made at start with openssl in a temp folder
  --api-keys FILE          the function's port and the model services require a key of FILE
                           (default $API_KEYS_FILE; one key per line, \`name:key\`, at least 16
                           characters); the function calls the services with a generated key
  -h, --help               show this help

Threads (each replica gets a share of the cores; set one to use it for every replica):
  INTRA_OP_THREADS    onnxruntime threads per replica (default cores / replicas)
  UV_THREADPOOL_SIZE  libuv pool per replica, which runs its image decoding
                      (default cores / (replicas + 1), within 2..4)`;

export function parseStackArgs(
  argv: string[],
  env: Record<string, string | undefined> = {},
): StackArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'detector-replicas': { type: 'string', default: '1' },
      'classifier-replicas': { type: 'string', default: '1' },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      verbose: { type: 'boolean', default: false },
      tls: { type: 'boolean', default: false },
      'api-keys': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    detectorReplicas: integerFlag('--detector-replicas', values['detector-replicas'], 1, 16),
    classifierReplicas: integerFlag('--classifier-replicas', values['classifier-replicas'], 1, 16),
    port: integerFlag('--port', values.port, 1, 65535),
    verbose: values.verbose,
    tls: values.tls,
    ...apiKeysFileOf(values['api-keys'], env),
  };
}

function apiKeysFileOf(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { apiKeysFile?: string } {
  const file = flag ?? env.API_KEYS_FILE;
  if (file === undefined || file.trim() === '') return {};
  return { apiKeysFile: userPath(file, env) };
}

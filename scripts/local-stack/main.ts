/**
 * `npm start`: detector, classifier and function (with the web tester) on 127.0.0.1 with
 * fixed ports. Ctrl-C stops everything; a second Ctrl-C kills what is left.
 */
import { readCli } from '../lib/cli.js';
import { DEFAULT_PORT, parseStackArgs, STACK_USAGE } from './cli-args.js';
import { startLocalStack, type LocalStack } from './stack.js';
import { createLocalKeys, type LocalKeys } from './api-keys.js';
import { createLocalTls, type LocalTls } from './tls.js';

/** Replicas log JSON lines at info level; without --verbose only warnings and errors are shown. */
function isWarningOrWorse(line: string): boolean {
  return !line.startsWith('{') || /"level":"(warn|error|fatal)"/.test(line);
}

/** Which ports need a key, and how to call a detector directly. */
function securityLines(stack: LocalStack, tls?: LocalTls, keys?: LocalKeys): string[] {
  if (!keys) return [];
  const user = keys.userKeysFile;
  const lines = [
    user
      ? `  Keys            the function (POST /) and the model services require a key of ${user}`
      : '  Keys            the model services require a key; the function (POST /) needs none (--api-keys FILE to require one)',
    '                  ("authorization: Bearer <key>"); the function calls the services with a generated key',
  ];
  if (!tls) return lines;
  // By name: the certificate carries localhost and 127.0.0.1, and TLS sends names, not IPs, as SNI.
  const address = (stack.detectors[0]?.grpcAddress ?? '127.0.0.1:50051').replace(
    '127.0.0.1',
    'localhost',
  );
  const { caFile, certFile, keyFile } = tls.direct;
  return [
    ...lines,
    `  TLS             mutual TLS on the model services; certificates in ${tls.dir}`,
    `  Direct call     BANANA_API_KEY=${keys.directKey ?? '<key>'} npm run grpc -- detect photo.jpg \\`,
    `                    --addr ${address} --ca ${caFile} --cert ${certFile} --cert-key ${keyFile}`,
  ];
}

function printUrls(stack: LocalStack, tls?: LocalTls, keys?: LocalKeys): void {
  const lines = [
    '',
    'Banana ripeness is running.',
    `  Web tester      ${stack.functionUrl.replace('127.0.0.1', 'localhost')}/`,
    `  Function API    POST ${stack.functionUrl}/   (metrics ${stack.functionUrl}/metrics)`,
    ...stack.detectors.map(
      (r) =>
        `  Detector ${r.index}      grpc ${r.grpcAddress} ${r.grpcSocketAddress ?? ''}   metrics ${r.metricsUrl}`,
    ),
    ...stack.classifiers.map(
      (r) =>
        `  Classifier ${r.index}    grpc ${r.grpcAddress} ${r.grpcSocketAddress ?? ''}   metrics ${r.metricsUrl}`,
    ),
    `  Function calls  ${stack.functionConfig.detectorAddress ?? ''} and ${stack.functionConfig.classifierAddress ?? ''}`,
    `  Threads         per replica ${Object.entries(stack.threads)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
    ...securityLines(stack, tls, keys),
    '',
    `Try: ${keys?.userKeysFile ? 'BANANA_API_KEY=<key> ' : ''}npm run classify -- photo.jpg -o annotated.jpg${
      stack.functionServer.port === DEFAULT_PORT ? '' : ` --url ${stack.functionUrl}`
    }`,
    'Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const args = readCli(STACK_USAGE, (argv) => parseStackArgs(argv, process.env));
  // Keys first: a bad key file stops here, in one line, before anything starts.
  const keys =
    args.tls || args.apiKeysFile !== undefined
      ? createLocalKeys({
          userKeysFile: args.apiKeysFile,
          directKey: args.tls,
          onWarning: (message) => {
            console.error(message);
          },
        })
      : undefined;
  console.log(
    `Starting ${args.detectorReplicas} detector and ${args.classifierReplicas} classifier replica(s); loading the models...`,
  );
  const tls = args.tls ? createLocalTls() : undefined;
  process.once('exit', () => {
    tls?.remove();
    keys?.remove();
  });
  const stack = await startLocalStack({
    serviceEnv: { ...tls?.serviceEnv, ...keys?.serviceEnv },
    functionConfig: { ...tls?.functionConfig, ...keys?.functionConfig },
    detectorReplicas: args.detectorReplicas,
    classifierReplicas: args.classifierReplicas,
    functionPort: args.port,
    detectorPorts: { grpc: 50051, metrics: 9091 },
    classifierPorts: { grpc: 50052, metrics: 9092 },
    logLevel: args.verbose ? 'info' : 'warn',
    onServiceLine: (line) => {
      if (args.verbose || isWarningOrWorse(line)) console.log(line);
    },
    onReplicaEvent: (message) => {
      console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
    },
  });
  printUrls(stack, tls, keys);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error('Stopping now.');
      for (const replica of [...stack.detectors, ...stack.classifiers])
        void replica.stop('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (Ctrl-C again to force)...`);
    stack.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('Stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Could not start the local stack: ${(error as Error).message}`);
  process.exit(1);
});

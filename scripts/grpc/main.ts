/**
 * `npm run grpc -- list | health | detect <photo> | classify <crop...> | metadata | infer
 * <image...> [--addr host:port]`: calls a model service and prints its answer as JSON. detect
 * and classify go through the typed client of lib/client; health is grpc.health.v1/Check; list
 * uses server reflection; metadata and infer speak the Open Inference Protocol. The npm script
 * runs it with --disable-warning=DEP0123: grpc-js sends an IP address of --addr as the TLS
 * server name, which Node flags, while the certificate is still checked for that IP.
 */
import { readFile } from 'node:fs/promises';
import { makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import {
  createClassifierClient,
  createDetectorClient,
  isServiceError,
  secureChannel,
  status,
} from '../../lib/client/index.js';
import { createOpenInferenceClient } from '../../lib/open-inference/index.js';
import { readCli, UsageError } from '../lib/cli.js';
import { listServices } from '../lib/reflection-client.js';
import { GRPC_USAGE, parseGrpcArgs, type GrpcCommand } from './args.js';
import { CONNECTION_USAGE, connectionHint, splitConnectionArgs } from './connection.js';
import { formatTensors, grpcTransport, inferImages, restTransport } from './open-inference.js';

const print = (value: unknown): void => {
  console.log(JSON.stringify(value, null, 2));
};

/** grpc.health.v1.Health/Check of `service` ("" = the whole server). */
function checkHealth(addr: string, service: string, deadlineMs: number): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const channel = secureChannel(cli.connection);
  const client = new Health(addr, channel.credentials, channel.options);
  const { check } = client as unknown as {
    check: (
      request: { service: string },
      options: { deadline: Date },
      callback: (error: ServiceError | null, response?: { status: string }) => void,
    ) => void;
  };
  return new Promise<string>((resolve, reject) => {
    check.call(
      client,
      { service },
      { deadline: new Date(Date.now() + deadlineMs) },
      (error, response) => {
        client.close();
        if (error) reject(error);
        else resolve(response?.status ?? 'UNKNOWN');
      },
    );
  });
}

async function readFiles(paths: readonly string[]): Promise<Buffer[]> {
  return Promise.all(
    paths.map((path) =>
      readFile(path).catch((error: unknown) => {
        throw new Error(`cannot read ${path}: ${(error as Error).message}`);
      }),
    ),
  );
}

async function run(args: GrpcCommand): Promise<number> {
  const options = { target: args.addr, defaultDeadlineMs: args.deadlineMs, ...cli.connection };
  switch (args.command) {
    case 'list':
      print(await listServices(args.addr, secureChannel(cli.connection)));
      return 0;
    case 'health': {
      const health = await checkHealth(args.addr, args.service, args.deadlineMs);
      print({ service: args.service, status: health });
      return health === 'SERVING' ? 0 : 1;
    }
    case 'detect': {
      const [image] = await readFiles([args.photo]);
      const detector = createDetectorClient(options);
      try {
        print(await detector.detect({ image, minConfidence: args.minConfidence }));
      } finally {
        detector.close();
      }
      return 0;
    }
    case 'classify': {
      const crops = await readFiles(args.crops);
      const classifier = createClassifierClient(options);
      try {
        print(await classifier.classify({ crops }));
      } finally {
        classifier.close();
      }
      return 0;
    }
    case 'metadata':
    case 'infer': {
      const client = args.rest === undefined ? createOpenInferenceClient(options) : undefined;
      const transport = client
        ? grpcTransport(client)
        : restTransport(args.rest ?? '', cli.connection.apiKey);
      try {
        console.log(
          formatTensors(
            args.command === 'metadata'
              ? await transport.modelMetadata(args.model)
              : await inferImages(transport, args),
          ),
        );
      } finally {
        client?.close();
      }
      return 0;
    }
  }
}

const cli = readCli(GRPC_USAGE + '\n' + CONNECTION_USAGE, (argv) => {
  const { connection, rest } = splitConnectionArgs(argv, process.env);
  const args = parseGrpcArgs(rest, process.env);
  if ('rest' in args && args.rest !== undefined && connection.tls)
    throw new UsageError(
      '--rest calls the plain-HTTP metrics port: TLS options apply to gRPC only',
    );
  return { args, connection };
});
try {
  process.exitCode = await run(cli.args);
} catch (error) {
  const hint = isServiceError(error)
    ? connectionHint(error, cli.connection, cli.args.addr)
    : undefined;
  const body = isServiceError(error)
    ? { code: status[error.code], message: error.details, ...(hint && { hint }) }
    : { code: 'CLI_ERROR', message: (error as Error).message };
  console.error(JSON.stringify({ error: body }, null, 2));
  process.exitCode = 1;
}

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/**
 * A minimal grpc.reflection.v1alpha client: what grpcurl does for `list` and `describe`. The
 * server is a `host:port` address, or a port on 127.0.0.1.
 */
export type Server = string | number;

/** TLS credentials and channel options (e.g. an API key interceptor); default plaintext. */
export interface ReflectionChannel {
  credentials?: ChannelCredentials;
  options?: ChannelOptions;
}

const addressOf = (server: Server): string =>
  typeof server === 'number' ? `127.0.0.1:${server}` : server;

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

type ReflectionRequest =
  { listServices: string } | { fileContainingSymbol: string } | { fileByFilename: string };

const reflectionProtoDir = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build',
  'proto',
);

function reflectionClient(server: Server, channel: ReflectionChannel = {}): Client {
  const definition = loadSync('grpc/reflection/v1alpha/reflection.proto', {
    includeDirs: [reflectionProtoDir],
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    grpc: {
      reflection: {
        v1alpha: {
          ServerReflection: new (
            target: string,
            creds: unknown,
            options?: ChannelOptions,
          ) => Client;
        };
      };
    };
  };
  return new loaded.grpc.reflection.v1alpha.ServerReflection(
    addressOf(server),
    channel.credentials ?? credentials.createInsecure(),
    channel.options,
  );
}

async function ask(
  server: Server,
  request: ReflectionRequest,
  channel?: ReflectionChannel,
): Promise<ReflectionResponse> {
  const client = reflectionClient(server, channel);
  try {
    const stream = (
      client as unknown as {
        serverReflectionInfo(): ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
      }
    ).serverReflectionInfo();
    const response = new Promise<ReflectionResponse>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    stream.write(request);
    stream.end();
    return await response;
  } finally {
    client.close();
  }
}

export async function listServices(server: Server, channel?: ReflectionChannel): Promise<string[]> {
  const response = await ask(server, { listServices: '' }, channel);
  return (response.listServicesResponse?.service ?? []).map((s) => s.name).sort();
}

async function files(server: Server, request: ReflectionRequest): Promise<FileDescriptorProto[]> {
  const response = await ask(server, request);
  if (response.errorResponse) throw new Error(response.errorResponse.errorMessage);
  return (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
    fromBinary(FileDescriptorProtoSchema, bytes),
  );
}

export function fileContainingSymbol(
  server: Server,
  symbol: string,
): Promise<FileDescriptorProto[]> {
  return files(server, { fileContainingSymbol: symbol });
}

export function fileByFilename(server: Server, name: string): Promise<FileDescriptorProto[]> {
  return files(server, { fileByFilename: name });
}

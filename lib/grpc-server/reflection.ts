import type { Server } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { findProtoDir, HEALTH_PROTO } from './proto-files.js';

/**
 * Server reflection (grpc.reflection.v1 and v1alpha) describing the given API files of
 * proto/ plus grpc.health.v1, so `grpcurl -plaintext host:port list` works without
 * .proto files.
 */
export function addReflectionService(server: Server, protoFiles: string | readonly string[]): void {
  const definition: PackageDefinition = {
    ...loadSync([protoFiles].flat(), { includeDirs: [findProtoDir()] }),
    ...loadSync(HEALTH_PROTO.file, { includeDirs: [HEALTH_PROTO.includeDir] }),
  };
  new ReflectionService(definition).addToServer(server);
}

import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';

export interface GrpcServerLimits {
  /** Largest request and response message, in bytes. */
  maxMessageBytes: number;
  /** Connections are closed (GOAWAY) after this long so clients re-resolve and rebalance. */
  maxConnectionAgeMs: number;
}

/** Calls still running on an aged-out connection get this long to finish. */
const CONNECTION_AGE_GRACE_MS = 30_000;
/** Ping idle clients to notice dead connections. */
const KEEPALIVE_TIME_MS = 60_000;
const KEEPALIVE_TIMEOUT_MS = 20_000;

function grpcServerOptions(limits: GrpcServerLimits): ChannelOptions {
  return {
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_connection_age_ms': limits.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': CONNECTION_AGE_GRACE_MS,
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  };
}

export function createGrpcServer(limits: GrpcServerLimits): Server {
  return new Server(grpcServerOptions(limits));
}

/** Binds without TLS (TLS terminates in the mesh/ingress); resolves to the actual port. */
export function bindInsecure(server: Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
}

/**
 * Stops accepting connections and calls, lets running calls finish, and force-closes
 * whatever is left after graceMs. Resolves to how it ended.
 */
export function shutdownGracefully(server: Server, graceMs: number): Promise<'drained' | 'forced'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve('forced');
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve('drained');
    });
  });
}

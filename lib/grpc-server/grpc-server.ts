import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Http2Server } from 'node:http2';
import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type ServerInterceptor,
} from '@grpc/grpc-js';

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

/** `interceptors` run on every call of every service added to the server (e.g. API keys). */
export function createGrpcServer(
  limits: GrpcServerLimits,
  interceptors: ServerInterceptor[] = [],
): Server {
  return new Server({ ...grpcServerOptions(limits), interceptors });
}

/**
 * HTTP/2 receive window of the services, per stream and per connection. Requests carry
 * pixels (a letterboxed detector input is 300 KB, a batch of 64 classifier crops 3 MB); with
 * HTTP/2's default 64 KB window the client stops every 64 KB until the server's event loop
 * has read the data and sent WINDOW_UPDATE. 4 MiB holds a full classifier batch; a larger
 * window lets several such calls arrive at once, which costs resident memory.
 */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/** HTTP/2 servers whose window is set already (a server may be bound more than once). */
const widened = new WeakSet<Http2Server>();

/**
 * grpc-js reads `grpc-node.flow_control_window` on the client side only (grpc-node PR #3058
 * adds it to the server), so the window is set on the HTTP/2 servers that bindAsync made:
 * SETTINGS for new streams, and the connection window of every new session.
 */
function widenReceiveWindow(server: Server): void {
  const http2Servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const http2Server of http2Servers.keys() as Iterable<Http2Server>) {
    if (widened.has(http2Server)) continue;
    widened.add(http2Server);
    http2Server.updateSettings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
    http2Server.on('session', (session) => {
      session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
    });
  }
}

/**
 * Serves `server` on a Unix domain socket too, plaintext, mode 0660. A socket file left by a
 * process that died is replaced; any other file at the path is an error. Resolves to a
 * function that removes the socket file (call it after the server has stopped).
 */
export async function bindUnixSocket(server: Server, path: string): Promise<() => Promise<void>> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket`);
    await unlink(path);
  }
  await bindAddress(server, `unix:${path}`, ServerCredentials.createInsecure());
  await chmod(path, 0o660);
  return () => unlink(path).catch(() => undefined);
}

/** Binds without TLS (TLS terminates in the mesh/ingress); resolves to the actual port. */
export function bindInsecure(server: Server, host: string, port: number): Promise<number> {
  return bindServer(server, host, port, ServerCredentials.createInsecure());
}

/** Binds with the given credentials (see security.ts); resolves to the actual port. */
export function bindServer(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials,
): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return bindAddress(server, address, credentials);
}

/** bindAsync as a promise of the bound port, the receive window widened on what it made. */
function bindAddress(
  server: Server,
  address: string,
  credentials: ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, boundPort) => {
      if (error) reject(error);
      else {
        widenReceiveWindow(server);
        resolve(boundPort);
      }
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

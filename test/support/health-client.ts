import { Client, credentials, type ClientReadableStream } from '@grpc/grpc-js';
import {
  HEALTH_CHECK,
  HEALTH_WATCH,
  type HealthCheckResponse as HealthResponse,
} from '../../lib/client/health-methods.js';
import { unaryCall } from '../../lib/client/unary-call.js';

/** Raw grpc.health.v1 calls against one port, for any service name (including ""). */

function healthClient(port: number): Client {
  return new Client(`127.0.0.1:${port}`, credentials.createInsecure());
}

export async function checkHealth(
  port: number,
  service: string,
): Promise<HealthResponse['status']> {
  const client = healthClient(port);
  try {
    const deadline = new Date(Date.now() + 5000);
    return (await unaryCall(client, HEALTH_CHECK, { service }, deadline, undefined)).status;
  } finally {
    client.close();
  }
}

/** Opens a Watch stream; `statuses` collects every status the server sends. */
export function watchHealth(port: number, service: string) {
  const client = healthClient(port);
  const method = HEALTH_WATCH;
  const statuses: string[] = [];
  const listeners = new Set<() => void>();
  const stream: ClientReadableStream<HealthResponse> = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    { service },
  );
  stream.on('data', (response: HealthResponse) => {
    statuses.push(response.status);
    for (const listener of listeners) listener();
  });
  stream.on('error', () => undefined);
  const waitUntil = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      const listener = () => {
        if (!condition()) return;
        listeners.delete(listener);
        resolve();
      };
      listeners.add(listener);
      listener();
    });
  return {
    statuses,
    /** Resolves once `status` has been received. */
    until(status: string): Promise<void> {
      return waitUntil(() => statuses.includes(status));
    },
    /** Resolves once `count` statuses have been received. */
    received(count: number): Promise<void> {
      return waitUntil(() => statuses.length >= count);
    },
    close() {
      stream.cancel();
      client.close();
    },
  };
}

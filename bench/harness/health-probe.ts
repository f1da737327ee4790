/**
 * grpc.health.v1 Check on its own channel and connection (like a kubelet probe), so it
 * never shares an HTTP/2 connection with the load it measures.
 */
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

interface HealthCheckResponse {
  status: string;
}

export interface HealthProbe {
  /** Status name (SERVING, NOT_SERVING...) and round-trip ms; rejects on an RPC error. */
  check(deadlineMs: number): Promise<{ status: string; ms: number }>;
  close(): void;
}

export function createHealthProbe(address: string, service = ''): HealthProbe {
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.initial_reconnect_backoff_ms': 20,
    'grpc.max_reconnect_backoff_ms': 100,
  });
  const method = healthService.Check;
  if (!method) throw new Error('grpc-health-check has no Check method');
  return {
    check(deadlineMs) {
      const start = performance.now();
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize as (value: { service: string }) => Buffer,
          method.responseDeserialize as (bytes: Buffer) => HealthCheckResponse,
          { service },
          { deadline: new Date(Date.now() + deadlineMs) },
          (error: ServiceError | null, response?: HealthCheckResponse) => {
            if (error || !response) reject(error ?? new Error('no response'));
            else resolve({ status: response.status, ms: performance.now() - start });
          },
        );
      });
    },
    close: () => {
      client.close();
    },
  };
}

/**
 * grpc.health.v1 Check on its own channel and connection (like a kubelet probe), so it
 * never shares an HTTP/2 connection with the load it measures.
 */
import { Client, credentials } from '@grpc/grpc-js';
import { HEALTH_CHECK } from '../../lib/client/health-methods.js';
import { unaryCall } from '../../lib/client/unary-call.js';

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
  return {
    async check(deadlineMs) {
      const start = performance.now();
      const deadline = new Date(Date.now() + deadlineMs);
      const { status } = await unaryCall(client, HEALTH_CHECK, { service }, deadline, undefined);
      return { status, ms: performance.now() - start };
    },
    close: () => {
      client.close();
    },
  };
}

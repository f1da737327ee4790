import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Server } from '@grpc/grpc-js';

export interface Health {
  /** Sets the status of the whole server ("") and of every named service. */
  set(status: ServingStatus): void;
  readonly status: ServingStatus;
}

/** Standard grpc.health.v1 service; starts NOT_SERVING. */
export function addHealthService(server: Server, serviceNames: readonly string[]): Health {
  const names = ['', ...serviceNames];
  const implementation = new HealthImplementation(
    Object.fromEntries(names.map((name) => [name, 'NOT_SERVING'])),
  );
  implementation.addToServer(server);
  let current: ServingStatus = 'NOT_SERVING';
  return {
    set(status) {
      current = status;
      for (const name of names) implementation.setStatus(name, status);
    },
    get status() {
      return current;
    },
  };
}

import type { ModelPorts } from './pipeline/model-ports.js';

export interface Readiness {
  ready: boolean;
  detector: boolean;
  classifier: boolean;
}

/** The connections to the two model services. */
export interface ModelBackends {
  ports: ModelPorts;
  /** Both services answer the standard gRPC health check with SERVING. */
  checkReadiness(deadlineMs: number): Promise<Readiness>;
  close(): void;
}

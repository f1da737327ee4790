import { service as healthService, type ServingStatus } from 'grpc-health-check';
import type { UnaryMethod } from './unary-call.js';

/** grpc.health.v1 messages as grpc-health-check's definition (keepCase, enums as strings) reads them. */
export interface HealthCheckRequest {
  service: string;
}

export interface HealthCheckResponse {
  status: ServingStatus | 'SERVICE_UNKNOWN';
}

function method(name: 'Check' | 'Watch'): UnaryMethod<HealthCheckRequest, HealthCheckResponse> {
  const definition = healthService[name];
  if (!definition) throw new Error(`grpc-health-check has no ${name} method`);
  return definition as unknown as UnaryMethod<HealthCheckRequest, HealthCheckResponse>;
}

export const HEALTH_CHECK = method('Check');
/** Server-streaming; the same serializers as Check. */
export const HEALTH_WATCH = method('Watch');

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

export type { ServiceError };

/** True for errors carrying a gRPC status (what every client method rejects with). */
export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    'details' in error
  );
}

export function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

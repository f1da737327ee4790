import { status } from '@grpc/grpc-js';

/** An error to send to the caller as-is: a gRPC status code and a message naming the problem. */
export class RequestError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export function invalidArgument(message: string): RequestError {
  return new RequestError(status.INVALID_ARGUMENT, message);
}

import { status } from '@grpc/grpc-js';
import { BudgetRefusal } from '../admission/pixel-budget.js';
import { InferenceError, QueueFullError } from '../inference/index.js';
import { ImageInputError } from '../vision/index.js';
import { RequestError } from './request-error.js';

export interface ErrorStatus {
  code: status;
  /** Sent to the caller. */
  details: string;
  /** True when the failure is ours, not the caller's: log it as an error. */
  internal: boolean;
}

/** Maps any error thrown by a handler to the status the caller receives. */
export function statusOfError(error: unknown): ErrorStatus {
  if (error instanceof RequestError) {
    return { code: error.code, details: error.message, internal: false };
  }
  if (error instanceof ImageInputError) {
    return { code: status.INVALID_ARGUMENT, details: error.message, internal: false };
  }
  if (error instanceof QueueFullError || error instanceof BudgetRefusal) {
    return { code: status.RESOURCE_EXHAUSTED, details: error.message, internal: false };
  }
  if (error instanceof InferenceError) {
    return { code: status.INTERNAL, details: error.message, internal: true };
  }
  return { code: status.INTERNAL, details: 'internal error', internal: true };
}

/** "OK", "INVALID_ARGUMENT", …: the label value used in metrics. */
export function statusName(code: status): string {
  return status[code];
}

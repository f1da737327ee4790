import { DEFAULT_MAX_MESSAGE_BYTES } from '../config/limits.js';
import { createBalancedClients } from './balanced-clients.js';
import { clientChannelOptions } from './channel-options.js';
import { HEALTH_CHECK, type HealthCheckResponse } from './health-methods.js';
import { isResolverTarget, parseTargets } from './targets.js';
import { callWithFailover, type CallOptions, type UnaryMethod } from './unary-call.js';

export interface ClientOptions {
  /** `host:port`, a comma-separated list or array of them, or one `dns:///name:port`. */
  target: string | readonly string[];
  /** Deadline of calls that set none (default 10 s). */
  defaultDeadlineMs?: number;
  /** Largest message sent or received (default 25 MiB, the services' default). */
  maxMessageBytes?: number;
}

export interface ServiceClient {
  call<Request, Response>(
    method: UnaryMethod<Request, Response>,
    request: Request,
    options?: CallOptions,
  ): Promise<Response>;
  /** SERVING if any address serves; otherwise NOT_SERVING, or rejects when none answers. */
  checkHealth(options?: CallOptions): Promise<HealthCheckResponse['status']>;
  close(): void;
}

export const DEFAULT_DEADLINE_MS = 10_000;

/** A balanced, retrying, deadline-bound client for one gRPC service. */
export function createServiceClient(serviceName: string, options: ClientOptions): ServiceClient {
  const targets = parseTargets(options.target);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const roundRobin = targets.length === 1 && isResolverTarget(targets[0] ?? '');
  const clients = createBalancedClients(
    targets,
    clientChannelOptions({ serviceName, maxMessageBytes, roundRobin }),
  );
  const deadlineOf = (callOptions?: CallOptions) =>
    new Date(
      Date.now() + (callOptions?.deadlineMs ?? options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS),
    );

  return {
    call(method, request, callOptions) {
      return callWithFailover(
        () => clients.next(),
        targets.length,
        method,
        request,
        deadlineOf(callOptions),
        callOptions?.signal,
      );
    },
    async checkHealth(callOptions) {
      const deadline = deadlineOf(callOptions);
      const answers = await Promise.allSettled(
        clients.all.map((client) =>
          callWithFailover(
            () => client,
            1,
            HEALTH_CHECK,
            { service: serviceName },
            deadline,
            callOptions?.signal,
          ),
        ),
      );
      const statuses = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value.status] : []));
      if (statuses.includes('SERVING')) return 'SERVING';
      const firstStatus = statuses[0];
      if (firstStatus !== undefined) return firstStatus;
      throw (answers[0] as PromiseRejectedResult).reason;
    },
    close() {
      clients.close();
    },
  };
}

import { Client } from '@grpc/grpc-js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../config/limits.js';
import { tracingClientInterceptor } from '../tracing/index.js';
import { clientChannelOptions } from './channel-options.js';
import { HEALTH_CHECK, type HealthCheckResponse } from './health-methods.js';
import {
  apiKeyClientInterceptor,
  channelCredentials,
  tlsChannelOptions,
  type ClientTlsConfig,
} from './security.js';
import { channelTarget, parseTargets } from './targets.js';
import { unaryCall, type CallOptions, type UnaryMethod } from './unary-call.js';

export interface ClientOptions {
  /** `host:port`, a comma-separated list or array of IP `host:port`s, or one `dns:///name:port`. */
  target: string | readonly string[];
  /** Deadline of calls that set none (default 10 s). */
  defaultDeadlineMs?: number;
  /** Largest message sent or received (default 25 MiB, the services' default). */
  maxMessageBytes?: number;
  /** TLS or mutual TLS to the service (default: plaintext). */
  tls?: ClientTlsConfig | undefined;
  /** Sent as `authorization: Bearer <key>` on every call, when set. */
  apiKey?: string | undefined;
  /**
   * A ping every `timeMs` (default 5 s), the connection closed when one is unanswered for
   * `timeoutMs` (default 3 s): a replica that stops answering without closing (frozen,
   * half-open connection) is left within 8 s, inside a call's deadline, and the calls on it
   * fail UNAVAILABLE, which the retry policy replays on another replica.
   */
  keepalive?: { timeMs: number; timeoutMs: number } | undefined;
}

export interface ServiceClient {
  call<Request, Response>(
    method: UnaryMethod<Request, Response>,
    request: Request,
    options?: CallOptions,
  ): Promise<Response>;
  /**
   * SERVING if a backend the balancer picks serves (one try per listed address, so a
   * NOT_SERVING replica does not hide a serving one); otherwise the last status, or rejects
   * when none answers.
   */
  checkHealth(options?: CallOptions): Promise<HealthCheckResponse['status']>;
  /**
   * The channel itself, for streaming calls: each stream is bound to the replica the
   * round_robin balancer picks when it opens (streams are not retried).
   */
  grpcClient: Client;
  close(): void;
}

export const DEFAULT_DEADLINE_MS = 10_000;

/**
 * A deadline-bound client for one gRPC service on one channel: grpc-js's round_robin
 * balancer spreads calls over every address of the target and its retry policy replays
 * calls that failed with UNAVAILABLE (see channel-options.ts).
 */
export function createServiceClient(serviceName: string, options: ClientOptions): ServiceClient {
  const entries = parseTargets(options.target);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const client = new Client(channelTarget(entries), channelCredentials(options.tls), {
    ...clientChannelOptions({ serviceName, maxMessageBytes, keepalive: options.keepalive }),
    ...tlsChannelOptions(options.tls),
    // Cross-cutting concerns of every call: its CLIENT span (and traceparent), the caller's key.
    interceptors: [
      tracingClientInterceptor,
      ...(options.apiKey ? [apiKeyClientInterceptor(options.apiKey)] : []),
    ],
  });
  const deadlineOf = (callOptions?: CallOptions) =>
    new Date(
      Date.now() + (callOptions?.deadlineMs ?? options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS),
    );

  return {
    call(method, request, callOptions) {
      return unaryCall(client, method, request, deadlineOf(callOptions), callOptions?.signal);
    },
    async checkHealth(callOptions) {
      const deadline = deadlineOf(callOptions);
      let last: HealthCheckResponse['status'] = 'NOT_SERVING';
      for (let attempt = 0; attempt < entries.length; attempt++) {
        const answer = await unaryCall(
          client,
          HEALTH_CHECK,
          { service: serviceName },
          deadline,
          callOptions?.signal,
        );
        if (answer.status === 'SERVING') return 'SERVING';
        last = answer.status;
      }
      return last;
    },
    grpcClient: client,
    close() {
      client.close();
    },
  };
}

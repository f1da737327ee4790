import type { ChannelOptions } from '@grpc/grpc-js';

export interface ChannelSettings {
  /** Fully qualified gRPC service name, e.g. "banana.v1.Detector" (retry policy scope). */
  serviceName: string;
  maxMessageBytes: number;
  /** Keepalive pings (ClientOptions.keepalive); default DEFAULT_KEEPALIVE. */
  keepalive?: { timeMs: number; timeoutMs: number } | undefined;
}

/** Ping every 5 s, give up after 3 s without an answer: a dead peer is left within 8 s. */
export const DEFAULT_KEEPALIVE = { timeMs: 5_000, timeoutMs: 3_000 } as const;

const RETRY_POLICY = {
  maxAttempts: 3,
  initialBackoff: '0.1s',
  maxBackoff: '1s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
};

const RECONNECT_BACKOFF_MS = { initial: 200, max: 1_000 } as const;

/**
 * Service config (round_robin over every address the resolver returns, retries on
 * UNAVAILABLE: a call that meets a replica going away is replayed on another), keepalive
 * and message limits.
 */
export function clientChannelOptions(settings: ChannelSettings): ChannelOptions {
  const serviceConfig = {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [{ name: [{ service: settings.serviceName }], retryPolicy: RETRY_POLICY }],
  };
  return {
    'grpc.service_config': JSON.stringify(serviceConfig),
    'grpc.enable_retries': 1,
    // Replaying a call needs its request buffered; photos are large.
    'grpc.per_rpc_retry_buffer_size': settings.maxMessageBytes,
    'grpc.max_receive_message_length': settings.maxMessageBytes,
    'grpc.max_send_message_length': settings.maxMessageBytes,
    'grpc.keepalive_time_ms': (settings.keepalive ?? DEFAULT_KEEPALIVE).timeMs,
    'grpc.keepalive_timeout_ms': (settings.keepalive ?? DEFAULT_KEEPALIVE).timeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    // Reconnect to a restarted backend within about a second, not after the default backoff
    // (1 s growing by 1.6x to two minutes). Retrying a dead address once a second is cheap.
    'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.initial,
    'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.max,
  };
}

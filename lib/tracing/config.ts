import { ConfigError, readBoolean, readEnum, readInteger, type Env } from '../config/index.js';

/** OTLP/HTTP encodings this build can export (`grpc` needs an exporter that is not installed). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The OTEL_TRACES_SAMPLER values of the OpenTelemetry specification that the Node SDK has. */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface SamplerConfig {
  name: SamplerName;
  /** Fraction of root traces kept by the ratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  ratio: number;
}

export type TracingConfig =
  | {
      enabled: false;
      serviceName: string;
      /** Why nothing is exported: OTEL_SDK_DISABLED, or no OTLP endpoint configured. */
      reason: 'sdk disabled' | 'no endpoint';
    }
  | {
      enabled: true;
      serviceName: string;
      /** Full URL the spans are POSTed to (…/v1/traces). */
      tracesUrl: string;
      protocol: OtlpProtocol;
      sampler: SamplerConfig;
      /** Delay between two batch exports (OTEL_BSP_SCHEDULE_DELAY). */
      scheduleDelayMs: number;
    };

const DEFAULT_SCHEDULE_DELAY_MS = 5000;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function readUrl(env: Env, name: string): URL | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return url;
}

/**
 * The traces URL as the OTLP exporter specification builds it: the signal-specific
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`.
 */
function tracesUrl(env: Env): string | undefined {
  const traces = readUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces) return traces.href;
  const base = readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!base) return undefined;
  return `${base.href.replace(/\/+$/, '')}/v1/traces`;
}

function readProtocol(env: Env): OtlpProtocol {
  const name =
    value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') === undefined
      ? 'OTEL_EXPORTER_OTLP_PROTOCOL'
      : 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL';
  return readEnum(env, name, OTLP_PROTOCOLS, 'http/protobuf');
}

function readRatio(env: Env): number {
  const raw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(
      'OTEL_TRACES_SAMPLER_ARG',
      `must be a number between 0 and 1, got ${JSON.stringify(raw)}`,
    );
  }
  return ratio;
}

/**
 * Tracing settings from the standard OTEL_* variables, validated once at start (a bad value
 * throws a ConfigError naming the variable). Without an endpoint, tracing stays off.
 */
export function readTracingConfig(env: Env, defaultServiceName: string): TracingConfig {
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? defaultServiceName;
  if (readBoolean(env, 'OTEL_SDK_DISABLED', false)) {
    return { enabled: false, serviceName, reason: 'sdk disabled' };
  }
  // Validated even when no endpoint is set, so a typo fails at start and not on the day
  // an endpoint is added.
  const protocol = readProtocol(env);
  const sampler: SamplerConfig = {
    name: readEnum(env, 'OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on'),
    ratio: readRatio(env),
  };
  const scheduleDelayMs = readInteger(env, 'OTEL_BSP_SCHEDULE_DELAY', DEFAULT_SCHEDULE_DELAY_MS, {
    min: 0,
  });
  const url = tracesUrl(env);
  if (url === undefined) return { enabled: false, serviceName, reason: 'no endpoint' };
  return { enabled: true, serviceName, tracesUrl: url, protocol, sampler, scheduleDelayMs };
}

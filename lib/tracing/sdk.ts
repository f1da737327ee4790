import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  readTracingConfig,
  type OtlpProtocol,
  type SamplerConfig,
  type TracingConfig,
} from './config.js';
import { isTracingActive, setTracingActive } from './spans.js';
import type { Env } from '../config/index.js';

export interface Tracing {
  /** The validated settings; `enabled` is false when nothing is exported. */
  readonly config: TracingConfig;
  /**
   * Exports the spans that have ended but are still batched; resolves when done, on failure
   * (reported to the logger) or after `timeoutMs` (default 5 s); at once when tracing is off.
   */
  flush(timeoutMs?: number): Promise<void>;
  /**
   * Flushes (as `flush`), stops exporting and unregisters the global tracer; later spans
   * record nothing. For SIGTERM: call it after the servers have drained.
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Where the SDK's own warnings and errors go (failed exports, dropped spans): a pino logger fits. */
export interface TracingLogger {
  warn(message: string): void;
  error(message: string): void;
}

function diagMessage(message: string, args: unknown[]): string {
  // The API hands the extra arguments over as one array.
  const details = args.flat().map((arg) => {
    const { message, code } = (arg ?? {}) as { message?: unknown; code?: unknown };
    if (typeof message !== 'string') return String(arg);
    // An OTLPExporterError carries the collector's HTTP status as `code`.
    return typeof code === 'number' ? `${message} (${code})` : message;
  });
  return ['opentelemetry:', message, ...details].join(' ');
}

type SdkTraceNode = typeof import('@opentelemetry/sdk-trace-node');

function buildSampler(sdk: SdkTraceNode, { name, ratio }: SamplerConfig): Sampler {
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
  }
}

async function buildExporter(protocol: OtlpProtocol, url: string): Promise<SpanExporter> {
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url });
}

const DEFAULT_FLUSH_TIMEOUT_MS = 5000;

/**
 * Waits for `work` at most `timeoutMs`; never rejects. A failed or late export is reported
 * through the SDK's diagnostics (the logger given to initTracing), not to the caller, so
 * that a collector outage cannot block or fail a graceful shutdown.
 */
function bounded(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      diag.warn(`span export still running after ${timeoutMs} ms; not waiting for it`);
      resolve();
    }, timeoutMs);
    timer.unref();
  });
  const done = work.catch((error: unknown) => {
    diag.error('span export failed:', error);
  });
  return Promise.race([done, late]).finally(() => {
    clearTimeout(timer);
  });
}

const OFF: Omit<Tracing, 'config'> = {
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Starts OpenTelemetry tracing for this process from the standard OTEL_* variables
 * (see docs/tracing.md); `defaultServiceName` is service.name unless OTEL_SERVICE_NAME
 * is set. Throws a ConfigError on a bad variable. With no OTLP endpoint (or
 * OTEL_SDK_DISABLED=true) nothing is loaded or registered: every span is a no-op.
 * The SDK and exporter modules are loaded only when tracing is on. The SDK's own
 * warnings and errors (e.g. a collector that cannot be reached) go to `logger`.
 */
export async function initTracing(
  defaultServiceName: string,
  env: Env = process.env,
  logger?: TracingLogger,
): Promise<Tracing> {
  const config = readTracingConfig(env, defaultServiceName);
  if (!config.enabled) return { config, ...OFF };
  if (isTracingActive()) throw new Error('tracing is already started in this process');
  if (logger) {
    const ignore = () => undefined;
    diag.setLogger(
      {
        error: (message, ...args) => {
          logger.error(diagMessage(message, args));
        },
        warn: (message, ...args) => {
          logger.warn(diagMessage(message, args));
        },
        info: ignore,
        debug: ignore,
        verbose: ignore,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }

  const [sdk, resources, semconv] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const exporter = await buildExporter(config.protocol, config.tracesUrl);
  // OTEL_RESOURCE_ATTRIBUTES adds attributes; service.name is the validated one.
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: config.serviceName }));
  const provider = new sdk.NodeTracerProvider({
    resource,
    sampler: buildSampler(sdk, config.sampler),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: config.scheduleDelayMs }),
    ],
  });
  // W3C trace context (and baggage) propagation, AsyncLocalStorage context manager.
  provider.register();
  setTracingActive(true);

  let stopped: Promise<void> | undefined;
  return {
    config,
    flush: (timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) => bounded(provider.forceFlush(), timeoutMs),
    shutdown(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) {
      stopped ??= bounded(provider.shutdown(), timeoutMs).finally(() => {
        setTracingActive(false);
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      });
      return stopped;
    },
  };
}

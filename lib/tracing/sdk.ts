import { context, propagation, trace } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  readTracingConfig,
  type OtlpProtocol,
  type SamplerConfig,
  type TracingConfig,
} from './config.js';
import { setTracingActive } from './spans.js';
import type { Env } from '../config/index.js';

export interface Tracing {
  /** The validated settings; `enabled` is false when nothing is exported. */
  readonly config: TracingConfig;
  /** Exports the spans that have ended but are still batched (resolves at once when off). */
  flush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global tracer; later spans record nothing. */
  shutdown(): Promise<void>;
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

const OFF: Omit<Tracing, 'config'> = {
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Starts OpenTelemetry tracing for this process from the standard OTEL_* variables
 * (see docs/tracing.md); `defaultServiceName` is service.name unless OTEL_SERVICE_NAME
 * is set. Throws a ConfigError on a bad variable. With no OTLP endpoint (or
 * OTEL_SDK_DISABLED=true) nothing is loaded or registered: every span is a no-op.
 * The SDK and exporter modules are loaded only when tracing is on.
 */
export async function initTracing(
  defaultServiceName: string,
  env: Env = process.env,
): Promise<Tracing> {
  const config = readTracingConfig(env, defaultServiceName);
  if (!config.enabled) return { config, ...OFF };

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
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        setTracingActive(false);
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopped;
    },
  };
}

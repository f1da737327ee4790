import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/index.js';
import { readTracingConfig } from './config.js';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

describe('readTracingConfig', () => {
  it('is off without an endpoint, with the default service name', () => {
    assert.deepEqual(readTracingConfig({}, 'banana-function'), {
      enabled: false,
      serviceName: 'banana-function',
      reason: 'no endpoint',
    });
  });

  it('defaults to http/protobuf, parent-based always-on sampling and a 5 s batch delay', () => {
    assert.deepEqual(readTracingConfig(ENDPOINT, 'banana-detector'), {
      enabled: true,
      serviceName: 'banana-detector',
      tracesUrl: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
      scheduleDelayMs: 5000,
    });
  });

  it('appends /v1/traces to the base endpoint and takes the traces endpoint as given', () => {
    const url = (env: Record<string, string>) => {
      const config = readTracingConfig(env, 'x');
      return config.enabled ? config.tracesUrl : undefined;
    };
    assert.equal(
      url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/base/' }),
      'https://otel.example/base/v1/traces',
    );
    assert.equal(
      url({
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom/path',
      }),
      'http://tempo:4318/custom/path',
    );
  });

  it('reads the service name, protocol, sampler and batch delay', () => {
    assert.deepEqual(
      readTracingConfig(
        {
          ...ENDPOINT,
          OTEL_SERVICE_NAME: 'detector-canary',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
          OTEL_BSP_SCHEDULE_DELAY: '200',
        },
        'banana-detector',
      ),
      {
        enabled: true,
        serviceName: 'detector-canary',
        tracesUrl: 'http://collector:4318/v1/traces',
        protocol: 'http/json',
        sampler: { name: 'parentbased_traceidratio', ratio: 0.25 },
        scheduleDelayMs: 200,
      },
    );
  });

  it('lets the traces-specific protocol override the general one', () => {
    const config = readTracingConfig(
      {
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      },
      'x',
    );
    assert.equal(config.enabled && config.protocol, 'http/json');
  });

  it('is off when OTEL_SDK_DISABLED is true, even with an endpoint', () => {
    assert.deepEqual(readTracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'true' }, 'f'), {
      enabled: false,
      serviceName: 'f',
      reason: 'sdk disabled',
    });
  });

  it('refuses bad values with an error naming the variable, also without an endpoint', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /^OTEL_EXPORTER_OTLP_PROTOCOL must be one of/],
      [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' }, /^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/],
      [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /^OTEL_TRACES_SAMPLER must be one of/],
      [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, /^OTEL_TRACES_SAMPLER_ARG must be a number between/],
      [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, /^OTEL_TRACES_SAMPLER_ARG/],
      [{ OTEL_BSP_SCHEDULE_DELAY: '-1' }, /^OTEL_BSP_SCHEDULE_DELAY must be between/],
      [{ OTEL_SDK_DISABLED: 'maybe' }, /^OTEL_SDK_DISABLED must be true or false/],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /^OTEL_EXPORTER_OTLP_ENDPOINT must be/],
      [
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' },
        /^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL/,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => readTracingConfig(env, 'x'),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });
});

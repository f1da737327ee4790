// A real Prometheus (Debian package `prometheus`) with exemplar storage scrapes a model
// service's metrics endpoint and stores the trace id of a traced request as an exemplar.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createMetricsRegistry,
  createModelServiceMetrics,
  startMetricsServer,
  type MetricsServer,
} from '../../lib/metrics/index.js';
import { initTracing, withSpan, type Tracing } from '../../lib/tracing/index.js';
import { startPrometheus, type PrometheusServer } from '../monitoring/prometheus-server.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string }[];
}

describe('exemplars in Prometheus', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let metricsServer: MetricsServer;
  let prometheus: PrometheusServer;
  const metrics = createModelServiceMetrics(createMetricsRegistry(), {
    service: 'detector',
    model: 'banana-detector',
    version: '1.0.0',
  });

  before(async () => {
    receiver = await startOtlpReceiver();
    tracing = await initTracing('banana-detector', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    metricsServer = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      isHealthy: () => true,
    });
    prometheus = await startPrometheus(() => ({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [
          {
            job_name: 'detector',
            static_configs: [{ targets: [`127.0.0.1:${metricsServer.port}`] }],
          },
        ],
      },
      flags: ['--enable-feature=exemplar-storage'],
    }));
  });
  after(async () => {
    await prometheus.stop();
    await metricsServer.close();
    await tracing.shutdown();
    await receiver.close();
  });

  it('stores the trace id of a traced request as the exemplar of its latency bucket', async () => {
    const traceId = withSpan('banana.v1.Detector/Detect', {}, (span) => {
      metrics.recordRequest('Detect', 'OK', 0.042);
      return span.spanContext().traceId;
    });
    const query = encodeURIComponent('banana_grpc_request_duration_seconds_bucket');
    const deadline = Date.now() + 20_000;
    let found: ExemplarSeries[] = [];
    while (Date.now() < deadline) {
      const now = Date.now() / 1000;
      found = (await prometheus.api(
        `/api/v1/query_exemplars?query=${query}&start=${now - 300}&end=${now + 60}`,
      )) as ExemplarSeries[];
      if (found.length > 0) break;
      await sleep(500);
    }
    assert.equal(found.length, 1, prometheus.output());
    const [series] = found;
    assert.equal(series?.seriesLabels.le, '0.05');
    assert.equal(series.seriesLabels.method, 'Detect');
    assert.deepEqual(
      series.exemplars.map((exemplar) => [exemplar.labels, Number(exemplar.value)]),
      [[{ trace_id: traceId }, 0.042]],
    );
  });
});

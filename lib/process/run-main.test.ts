// startProcess with tracing exporting to an OTLP receiver started by the test. The batch
// delay is a minute, so a span reaches the receiver at once only when tracing is shut down
// (which flushes it): what arrives tells whether, and when, tracing was stopped.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { isTracingActive, withSpan } from '../tracing/index.js';
import { startProcess } from './run-main.js';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

const env = () => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '60000',
});

const received = (name: string) => receiver.spans().filter((span) => span.name === name);

describe('startProcess', () => {
  it('shuts the process down first, then tracing, which exports the last spans', async () => {
    const events: string[] = [];
    const running = await startProcess(
      {
        traceServiceName: 'banana-process-test',
        start: (config: { port: number }) =>
          Promise.resolve({
            port: config.port,
            shutdown: async () => {
              events.push(`process shutdown, tracing ${isTracingActive() ? 'on' : 'off'}`);
              // The last request, finished while the process drains.
              await withSpan('last request', {}, () => Promise.resolve());
            },
          }),
      },
      { port: 1234 },
      env(),
    );
    assert.equal(running.port, 1234, 'the running process is returned with its fields');
    assert.equal(isTracingActive(), true);
    await running.shutdown();
    events.push(`after shutdown, tracing ${isTracingActive() ? 'on' : 'off'}`);
    assert.deepEqual(events, ['process shutdown, tracing on', 'after shutdown, tracing off']);
    const spans = received('last request');
    assert.equal(spans.length, 1, 'the span of the drain was exported by the shutdown');
    assert.equal(spans[0]?.serviceName, 'banana-process-test');
  });

  it('shuts tracing down when the process fails to start (its spans exported, tracing free)', async () => {
    const failure = new Error('port in use');
    await assert.rejects(
      startProcess(
        {
          traceServiceName: 'banana-process-test',
          start: () =>
            withSpan('starting', {}, () => Promise.resolve()).then(() => Promise.reject(failure)),
        },
        {},
        env(),
      ),
      (error: unknown) => error === failure,
    );
    assert.equal(isTracingActive(), false, 'tracing is stopped');
    assert.equal(received('starting').length, 1, 'the spans recorded so far were exported');
  });

  it('still shuts tracing down when the process shutdown fails', async () => {
    const failure = new Error('drain failed');
    const running = await startProcess(
      {
        traceServiceName: 'banana-process-test',
        start: () => Promise.resolve({ shutdown: () => Promise.reject(failure) }),
      },
      {},
      env(),
    );
    await assert.rejects(running.shutdown(), (error: unknown) => error === failure);
    assert.equal(isTracingActive(), false);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.js';
import { initTracing, withSpan, type Tracing } from '../tracing/index.js';
import { createLogger } from './index.js';

/** A logger whose JSON lines are parsed into `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('detector', 'info', {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with level name, ISO time and service, no trace fields outside a span', () => {
    const { logger, lines } = capturingLogger();
    logger.info({ method: 'Detect' }, 'call started');
    logger.debug('not at info level');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.level, 'info');
    assert.equal(line.service, 'detector');
    assert.equal(line.msg, 'call started');
    assert.equal(line.method, 'Detect');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal('trace_id' in line, false);
  });

  it('adds nothing while tracing is off, even inside withSpan', () => {
    const { logger, lines } = capturingLogger();
    withSpan('request', {}, () => {
      logger.info('inside');
    });
    assert.equal('trace_id' in (lines[0] ?? {}), false);
  });

  describe('with tracing on', () => {
    let receiver: OtlpReceiver;
    let tracing: Tracing;
    before(async () => {
      receiver = await startOtlpReceiver();
      tracing = await initTracing('banana-detector', {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      });
    });
    after(async () => {
      await tracing.shutdown();
      await receiver.close();
    });

    it('puts the active trace and span ids in every line written inside a span', async () => {
      const { logger, lines } = capturingLogger();
      const ids = await withSpan('request', {}, async (request) => {
        logger.info('request started');
        const stage = await withSpan('detect', {}, async (detect) => {
          await Promise.resolve();
          logger.warn('slow model');
          return detect.spanContext();
        });
        return { request: request.spanContext(), stage };
      });
      logger.info('after the request');
      assert.equal(lines.length, 3);
      assert.deepEqual(
        lines.slice(0, 2).map(({ trace_id, span_id, trace_flags }) => ({
          trace_id,
          span_id,
          trace_flags,
        })),
        [
          { trace_id: ids.request.traceId, span_id: ids.request.spanId, trace_flags: '01' },
          { trace_id: ids.request.traceId, span_id: ids.stage.spanId, trace_flags: '01' },
        ],
      );
      assert.equal('trace_id' in (lines[2] ?? {}), false);
    });
  });
});

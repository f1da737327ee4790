import { pino, type DestinationStream, type Logger } from 'pino';
import { traceLogFields } from '../tracing/index.js';

export type { Logger };

/**
 * JSON lines on stdout (or `destination`):
 * `{"level":"info","time":"…","service":"detector","msg":"…",…}`. A line written while a
 * span is active also carries `trace_id`, `span_id` and `trace_flags`, so a request's log
 * lines can be found from its trace (and the other way round).
 */
export function createLogger(
  service: string,
  level: string,
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => traceLogFields() ?? {},
    },
    destination,
  );
}

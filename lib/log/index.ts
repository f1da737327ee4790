import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout: `{"level":"info","time":"…","service":"detector","msg":"…",…}`. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

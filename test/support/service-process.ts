import { startProcess } from '../../scripts/lib/launcher.js';
import { repoPath } from './paths.js';

export type LogLine = Record<string, unknown> & { msg?: string };

/** A service entrypoint (e.g. services/detector/src/main.ts) running as a child process under tsx. */
export function startServiceProcess(entry: string, env: Record<string, string>) {
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const service = startProcess({
    name: entry,
    args: ['--import', 'tsx', repoPath(entry)],
    env,
    keptLines: 1000,
    onLine: (text) => {
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ msg: text });
      }
      for (const wake of waiters) wake();
    },
  });
  const exited = service.exited.then((how) => (typeof how === 'number' ? how : null));

  return {
    child: service.child,
    lines,
    exited,
    output: () => service.output().join('\n'),
    /** The first log line with this msg (waits for it; fails if the process exits first). */
    async waitFor(msg: string): Promise<LogLine> {
      const find = () => lines.find((line) => line.msg === msg);
      return (
        find() ??
        new Promise<LogLine>((resolve, reject) => {
          const wake = () => {
            const line = find();
            if (!line) return;
            waiters.delete(wake);
            resolve(line);
          };
          waiters.add(wake);
          void exited.then((code) => {
            reject(
              new Error(`exited (${code}) before logging "${msg}": ${service.output().join('\n')}`),
            );
          });
        })
      );
    },
  };
}

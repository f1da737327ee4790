import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoPath } from './paths.js';

export type LogLine = Record<string, unknown> & { msg?: string };

/** A service entrypoint (e.g. services/detector/src/main.ts) running as a child process under tsx. */
export function startServiceProcess(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', repoPath(entry)], {
    cwd: repoPath('.'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ msg: text });
    }
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
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
            reject(new Error(`exited (${code}) before logging "${msg}": ${stderr}`));
          });
        })
      );
    },
  };
}

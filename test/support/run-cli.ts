import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { repoPath } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI entry point (e.g. scripts/classify/main.ts, or an absolute path) under tsx from the repository root,
 * as npm does, with INIT_CWD naming the directory the user ran npm in.
 */
export function runCli(
  entry: string,
  args: readonly string[],
  options: { initCwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', isAbsolute(entry) ? entry : repoPath(entry), ...args],
      {
        cwd: repoPath('.'),
        env: {
          ...process.env,
          ...(options.initCwd === undefined ? {} : { INIT_CWD: options.initCwd }),
          ...options.env,
        },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
        if (code === undefined) reject(error ?? new Error('no exit code'));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Compiles the project to dist/ (`npm run build`), the JavaScript the container images run. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import { distEntry, type Component } from '../../scripts/lib/launcher.js';

const run = promisify(execFile);
let built: Promise<void> | undefined;

/** Runs tsc once per process; type errors elsewhere do not matter as long as the entries were emitted. */
export function ensureBuilt(
  components: readonly Component[] = ['detector', 'classifier', 'function'],
): Promise<void> {
  built ??= (async () => {
    const started = performance.now();
    try {
      await run(
        process.execPath,
        [`${REPO_ROOT}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'],
        { cwd: REPO_ROOT },
      );
    } catch (error) {
      const missing = components.filter((c) => !existsSync(distEntry(c)));
      if (missing.length > 0)
        throw new Error(
          `build failed, no ${missing.join(', ')}: ${(error as { stdout?: string }).stdout ?? String(error)}`,
          { cause: error },
        );
      console.warn('tsc reported errors, but every entry point was emitted; continuing');
    }
    console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  })();
  return built;
}

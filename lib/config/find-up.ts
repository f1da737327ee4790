import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The first folder named `name` holding `marker`, in `start` or above it: how the code finds
 * files shipped beside it (proto/, web/) both from the sources (tsx) and from dist/ in an
 * image, where the compiled code sits one level deeper. Undefined when there is none.
 */
export function findUp(start: string, name: string, marker: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, marker))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

import { fileURLToPath } from 'node:url';

/** Absolute path of a file in the repository (tests run from any working directory). */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

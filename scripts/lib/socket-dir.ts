import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private temporary directory (mode 0700) for the Unix sockets of one stack's services. */
export interface SocketDir {
  /** The path of the socket `name` in it. */
  socket(name: string): string;
  /** Removes the directory and what is left in it. */
  remove(): void;
}

export function createSocketDir(prefix: string): SocketDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    socket: (name) => join(dir, `${name}.sock`),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * API keys for `npm start`: the model services' key file, made in a private temp folder, holds
 * a generated key the function sends them, a generated key for direct calls (`--tls`), and the
 * user's keys (`--api-keys FILE`), copied again whenever the user's file changes (the services
 * reload their file; the function reads the user's file itself). The user's file is checked
 * first, so a bad key stops `npm start` with one line.
 */
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unwatchFile,
  watchFile,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionConfig } from '../../function/src/config.js';
import { parseApiKeys } from '../../lib/auth/index.js';

/** Names of the generated keys in the services' file (metrics and logs show them). */
export const FUNCTION_KEY_NAME = 'local-stack-function';
export const DIRECT_KEY_NAME = 'local-stack-direct';

export interface LocalKeys {
  /** Environment of every model-service replica (API_KEYS_FILE). */
  serviceEnv: Record<string, string>;
  /** The function's key for the services, and the user's keys for its own port. */
  functionConfig: Partial<FunctionConfig>;
  /** A generated key for direct calls to the services, when asked for. */
  directKey?: string;
  /** The user's key file, when given. */
  userKeysFile?: string;
  /** Stops watching the user's file and deletes the generated one. */
  remove(): void;
}

/** The user's key file's text, checked; throws one line naming the file and the line. */
function readUserKeys(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `--api-keys ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
  try {
    const names = parseApiKeys(text).map((entry) => entry.name);
    const taken = names.find((name) => name === FUNCTION_KEY_NAME || name === DIRECT_KEY_NAME);
    if (taken) throw new Error(`the key name "${taken}" is the local stack's own`);
  } catch (error) {
    throw new Error(`--api-keys ${path}: ${(error as Error).message}`, { cause: error });
  }
  return text;
}

export function createLocalKeys(options: {
  userKeysFile?: string | undefined;
  directKey: boolean;
  /** A change of the user's file that cannot be used (the previous keys stay in force). */
  onWarning?: (message: string) => void;
}): LocalKeys {
  const { userKeysFile } = options;
  // Checked before anything is written or started.
  let userText = userKeysFile === undefined ? '' : readUserKeys(userKeysFile);
  const dir = mkdtempSync(join(tmpdir(), 'banana-local-keys-'));
  const servicesFile = join(dir, 'model-service-keys');
  const functionKey = randomBytes(24).toString('hex');
  const directKey = options.directKey ? randomBytes(24).toString('hex') : undefined;
  const write = () => {
    const own = [
      `${FUNCTION_KEY_NAME}:${functionKey}`,
      ...(directKey ? [`${DIRECT_KEY_NAME}:${directKey}`] : []),
    ];
    // The user's lines first, where they were: a key without a name is named by its line
    // (line-N), so the services count it under the name the function does. A new file renamed
    // over the old: the services never read a half-written one.
    const next = `${servicesFile}.next`;
    const user = userText === '' || userText.endsWith('\n') ? userText : `${userText}\n`;
    writeFileSync(next, `${user}${own.join('\n')}\n`, { mode: 0o600 });
    renameSync(next, servicesFile);
  };
  write();
  if (userKeysFile !== undefined) {
    watchFile(userKeysFile, { interval: 500 }, () => {
      try {
        userText = readUserKeys(userKeysFile);
        write();
      } catch (error) {
        options.onWarning?.(`${(error as Error).message}; the previous keys stay in force`);
      }
    });
  }
  return {
    serviceEnv: { API_KEYS_FILE: servicesFile },
    functionConfig: {
      grpcApiKey: functionKey,
      ...(userKeysFile !== undefined && { apiKeysFile: userKeysFile }),
    },
    ...(directKey && { directKey }),
    ...(userKeysFile !== undefined && { userKeysFile }),
    remove() {
      if (userKeysFile !== undefined) unwatchFile(userKeysFile);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

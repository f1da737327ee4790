import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * API keys from a file (API_KEYS_FILE), one per line: `key` or `name:key`, where key is the
 * key itself or `sha256:<64 hex digits>`, the SHA-256 of the key. Blank lines and lines
 * starting with `#` are skipped. Only digests are kept in memory; a presented key is hashed
 * and compared with every digest in constant time, so neither its length nor where it
 * differs shows in the time taken.
 */
export interface ApiKeyEntry {
  /** What metrics and logs show; never the key. `line-N` for a key without a name. */
  name: string;
  digest: Buffer;
}

export type AuthOutcome = 'ok' | 'missing' | 'invalid';

export type AuthResult =
  | { ok: true; outcome: 'ok'; name: string }
  | { ok: false; outcome: 'missing' | 'invalid'; message: string };

/** Shortest plain key accepted: keys are meant to be random (`openssl rand -hex 32`). */
export const MIN_KEY_LENGTH = 16;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const PLAIN_KEY = /^[\x21-\x39\x3b-\x7e]+$/; // printable ASCII without space and ':'
const HASHED_KEY = /^sha256:([0-9a-fA-F]{64})$/;

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

function parseLine(line: string, lineNumber: number): ApiKeyEntry {
  const colon = line.indexOf(':');
  const named = colon > 0 && !HASHED_KEY.test(line);
  const name = named ? line.slice(0, colon) : `line-${lineNumber}`;
  const key = named ? line.slice(colon + 1) : line;
  const where = `line ${lineNumber}`;
  if (!NAME.test(name)) throw new Error(`${where}: a key name is 1..64 of A-Z a-z 0-9 . _ -`);
  const hashed = HASHED_KEY.exec(key);
  if (hashed) return { name, digest: Buffer.from(hashed[1] ?? '', 'hex') };
  if (!PLAIN_KEY.test(key)) throw new Error(`${where}: a key is printable ASCII without ':'`);
  if (key.length < MIN_KEY_LENGTH)
    throw new Error(`${where}: a key has at least ${MIN_KEY_LENGTH} characters`);
  return { name, digest: sha256(key) };
}

/** Parses a key file's text; throws naming the line of the first bad entry. */
export function parseApiKeys(text: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const entry = parseLine(line, index + 1);
    if (names.has(entry.name)) throw new Error(`line ${index + 1}: name "${entry.name}" repeated`);
    names.add(entry.name);
    entries.push(entry);
  });
  if (entries.length === 0) throw new Error('no key in the file');
  return entries;
}

/** The key of an `authorization: Bearer <key>` header value, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Checks a presented key against every entry, without an early exit. */
export function matchKey(entries: readonly ApiKeyEntry[], key: string): string | undefined {
  const digest = sha256(key);
  let found: string | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.name;
  }
  return found;
}

export const MISSING_KEY_MESSAGE = 'an API key is required: send "authorization: Bearer <key>"';
export const INVALID_KEY_MESSAGE = 'the API key is not valid';

export interface ApiKeyStore {
  /** Checks an `authorization` header value. */
  check(authorization: string | undefined): AuthResult;
  /** Names of the keys now accepted. */
  names(): string[];
  /** Stops watching the file. */
  close(): void;
}

export interface ApiKeyStoreOptions {
  /** How often the file is checked for changes (default 1000 ms). */
  reloadIntervalMs?: number;
  /** After every successful reload. */
  onReload?: (names: string[]) => void;
  /** A changed file that cannot be read or parsed: the previous keys stay in force. */
  onReloadError?: (error: Error) => void;
  /** Every check's outcome (metrics). */
  onCheck?: (result: AuthResult) => void;
}

function readKeyFile(path: string): ApiKeyEntry[] {
  try {
    return parseApiKeys(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** What identifies one version of a file on disk. */
function versionOf(path: string): string {
  const stats = statSync(path);
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * Loads the key file (throws when it is unreadable or invalid) and reloads it whenever its
 * inode, size or times change, checked every reloadIntervalMs (stat follows symlinks, so
 * Kubernetes' atomic Secret updates are seen).
 */
export function loadApiKeyStore(path: string, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  let version = versionOf(path);
  let entries = readKeyFile(path);
  const poll = () => {
    let current: string;
    try {
      current = versionOf(path);
    } catch (error) {
      if (version !== 'missing') options.onReloadError?.(error as Error);
      version = 'missing';
      return;
    }
    if (current === version) return;
    version = current;
    try {
      entries = readKeyFile(path);
      options.onReload?.(entries.map((entry) => entry.name));
    } catch (error) {
      options.onReloadError?.(error as Error);
    }
  };
  const timer = setInterval(poll, options.reloadIntervalMs ?? 1000);
  timer.unref();
  return {
    check(authorization) {
      const key = bearerKey(authorization);
      let result: AuthResult;
      if (key === undefined)
        result = { ok: false, outcome: 'missing', message: MISSING_KEY_MESSAGE };
      else {
        const name = matchKey(entries, key);
        result =
          name === undefined
            ? { ok: false, outcome: 'invalid', message: INVALID_KEY_MESSAGE }
            : { ok: true, outcome: 'ok', name };
      }
      options.onCheck?.(result);
      return result;
    },
    names: () => entries.map((entry) => entry.name),
    close() {
      clearInterval(timer);
    },
  };
}

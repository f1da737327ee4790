import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

function rawValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function readString(env: Env, name: string, fallback: string): string {
  return rawValue(env, name) ?? fallback;
}

export interface IntegerRange {
  min?: number;
  max?: number;
}

export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: IntegerRange = {},
): number {
  const raw = rawValue(env, name);
  if (raw === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(raw)) {
    throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** A TCP port; 0 asks the OS for a free one. */
export function readPort(env: Env, name: string, fallback: number): number {
  return readInteger(env, name, fallback, { min: 0, max: 65535 });
}

export function readEnum<const T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = rawValue(env, name);
  if (raw === undefined) return fallback;
  const value = allowed.find((candidate) => candidate === raw.toLowerCase());
  if (value === undefined) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = rawValue(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (TRUE_WORDS.includes(raw)) return true;
  if (FALSE_WORDS.includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * What every command-line entry point of the repository shares: `--help` prints the usage and
 * exits 0; a bad flag or value prints the problem and the usage and exits 2; relative paths
 * are resolved from the directory where the user ran npm (npm runs scripts from the package
 * root and passes the user's directory as INIT_CWD).
 */
import { isAbsolute, resolve } from 'node:path';

/** A mistake in the command line (exit 2 with the usage). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The directory the user ran the command in. */
export function invocationDir(env: Record<string, string | undefined> = process.env): string {
  return env.INIT_CWD ?? process.cwd();
}

/** `path` as the user meant it: relative to the directory they ran npm in. */
export function userPath(
  path: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return isAbsolute(path) ? path : resolve(invocationDir(env), path);
}

/** A whole number within [min, max] given for `flag`, or a UsageError naming both. */
export function integerFlag(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`${flag} needs a whole number from ${min} to ${max}, got ${value}`);
  }
  return number;
}

/** Errors node:util parseArgs throws for an unknown flag, a missing value or a stray argument. */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export interface CliOutcome<Args> {
  /** The parsed arguments, or undefined when the process should exit with `exitCode`. */
  args?: Args;
  exitCode?: 0 | 2;
  /** What to print: the usage (stdout) for --help, the problem and the usage (stderr) for exit 2. */
  message?: string;
}

/**
 * Runs `parse` over `argv` and decides what the command does: `--help`/`-h` anywhere wins, a
 * UsageError or a parseArgs error becomes exit 2. Pure, so the decision itself is unit tested.
 */
export function decideCli<Args>(
  usage: string,
  argv: readonly string[],
  parse: (argv: string[]) => Args,
): CliOutcome<Args> {
  const untilDashes = argv.indexOf('--') === -1 ? argv : argv.slice(0, argv.indexOf('--'));
  if (untilDashes.includes('--help') || untilDashes.includes('-h')) {
    return { exitCode: 0, message: usage };
  }
  try {
    return { args: parse([...argv]) };
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      return { exitCode: 2, message: `${error.message}\n\n${usage}` };
    }
    throw error;
  }
}

/** decideCli() on this process's arguments: prints and exits for --help and mistakes. */
export function readCli<Args>(usage: string, parse: (argv: string[]) => Args): Args {
  const outcome = decideCli(usage, process.argv.slice(2), parse);
  if (outcome.args !== undefined) return outcome.args;
  if (outcome.exitCode === 0) console.log(outcome.message);
  else console.error(outcome.message);
  process.exit(outcome.exitCode ?? 2);
}

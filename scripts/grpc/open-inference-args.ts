import { UsageError, userPath } from '../lib/cli.js';
import type { ParameterValue } from '../../lib/open-inference/index.js';
import type { InferArgs } from './open-inference.js';

/**
 * The metadata and infer commands without address and deadline; `rest`: the Open Inference
 * REST API's base URL to call instead of gRPC.
 */
export type OipArgs = (
  { command: 'metadata'; model: string } | ({ command: 'infer' } & InferArgs)
) & {
  rest?: string;
};
export type OipCommand = OipArgs & { addr: string; deadlineMs: number };

export const DEFAULT_MODEL = 'banana-detector';

/** "0.5" -> 0.5, "true" -> true, anything else the string itself. */
function parameterValue(text: string): ParameterValue {
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

interface OipFlags {
  model?: string | undefined;
  output?: string[] | undefined;
  param?: string[] | undefined;
  rest?: string | undefined;
}

/** --rest URL: an http(s) URL, without a trailing slash. */
function restUrl(text: string | undefined): { rest?: string } {
  if (text === undefined) return {};
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--rest needs a URL such as http://127.0.0.1:9091, got ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--rest needs an http or https URL, got ${text}`);
  return { rest: text.replace(/\/+$/, '') };
}

/**
 * The metadata and infer commands' arguments (without address and deadline); undefined for
 * the other commands, which must not use --model, --output or --param.
 */
export function inferArgs(
  command: string | undefined,
  rest: string[],
  flags: OipFlags,
  env: Record<string, string | undefined>,
): OipArgs | undefined {
  const model = flags.model ?? DEFAULT_MODEL;
  if (command !== 'infer' && command !== 'metadata') {
    const used = (['model', 'output', 'param', 'rest'] as const).find(
      (f) => flags[f] !== undefined,
    );
    if (used) throw new UsageError(`--${used} applies to metadata and infer only`);
    return undefined;
  }
  if (command === 'metadata') {
    if (rest.length > 0) throw new UsageError(`metadata: unexpected ${rest.join(' ')}`);
    if (flags.output ?? flags.param) throw new UsageError('--output and --param apply to infer');
    return { command, model, ...restUrl(flags.rest) };
  }
  if (rest.length === 0) throw new UsageError('infer: which images? give their paths');
  const parameters: Record<string, ParameterValue> = {};
  for (const pair of flags.param ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--param needs KEY=VALUE, got ${pair}`);
    parameters[pair.slice(0, at)] = parameterValue(pair.slice(at + 1));
  }
  return {
    command,
    model,
    images: rest.map((path) => userPath(path, env)),
    outputs: flags.output ?? [],
    parameters,
    ...restUrl(flags.rest),
  };
}

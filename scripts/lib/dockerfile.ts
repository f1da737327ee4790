/** A small Dockerfile parser (packaging tests, and the benchmarks that run processes with the images' settings): stages, their instructions and ARG defaults. */

/** Each image's Dockerfile, relative to the repository root, and the build args it is built with. */
export const IMAGES = {
  detector: { path: 'services/Dockerfile', buildArgs: { SERVICE: 'detector' } },
  classifier: { path: 'services/Dockerfile', buildArgs: { SERVICE: 'classifier' } },
  function: { path: 'function/Dockerfile', buildArgs: {} },
} as const satisfies Record<string, { path: string; buildArgs: Record<string, string> }>;

export type ImageName = keyof typeof IMAGES;

/** The distinct Dockerfiles. */
export const DOCKERFILE_PATHS = [...new Set(Object.values(IMAGES).map((image) => image.path))];

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** Flags such as --from=deps, --chown=... */
  flags: Record<string, string>;
  /** Arguments without the flags, split on whitespace (JSON arrays parsed). */
  words: string[];
}

export interface Stage {
  /** The image (ARG defaults substituted). */
  base: string;
  name?: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** The last stage: what the image is. */
  final: Stage;
}

function splitWords(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return trimmed.split(/\s+/).filter(Boolean);
}

function parseInstruction(line: string): Instruction {
  const [keyword = '', ...rest] = line.split(/\s+/);
  const flags: Record<string, string> = {};
  const remaining: string[] = [];
  for (const word of rest) {
    const flag = /^--([\w-]+)(?:=(.*))?$/.exec(word);
    if (flag && remaining.length === 0) flags[flag[1] ?? ''] = flag[2] ?? 'true';
    else remaining.push(word);
  }
  const args = rest.join(' ');
  return { keyword: keyword.toUpperCase(), args, flags, words: splitWords(remaining.join(' ')) };
}

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) lines.push(current.trim());
    current = '';
  }
  return lines;
}

/**
 * Stages and instructions with `${ARG}` / `$ARG` replaced by the build args (or the ARG's
 * default) outside RUN, where the shell expands them. An ARG without a value is empty.
 */
export function parseDockerfile(
  text: string,
  buildArgs: Readonly<Record<string, string>> = {},
): ParsedDockerfile {
  const args: Record<string, string> = {};
  const substitute = (value: string): string =>
    value.replace(/\$\{?(\w+)\}?/g, (whole, name: string) =>
      name in args ? (args[name] ?? '') : whole,
    );
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const raw = parseInstruction(line);
    const instruction = raw.keyword === 'RUN' ? raw : parseInstruction(substitute(line));
    if (instruction.keyword === 'ARG') {
      const [name = '', value] = raw.args.split('=', 2);
      args[name] =
        buildArgs[name] ?? (value !== undefined ? substitute(value) : (args[name] ?? ''));
      if (stages.length === 0) continue;
    }
    if (instruction.keyword === 'FROM') {
      const [base = '', as, name] = instruction.words;
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`instruction before FROM: ${line}`);
    stage.instructions.push(instruction);
  }
  const final = stages.at(-1);
  if (!final) throw new Error('no FROM');
  return { stages, final };
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** ENV of a stage (both `ENV a=b c=d` and `ENV a b` forms; quotes removed). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions(stage, 'ENV')) {
    const pairs = [...args.matchAll(/([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g)];
    if (pairs.length === 0) {
      const [name = '', ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
    }
    for (const [, name = '', value = ''] of pairs) env[name] = value.replace(/^"|"$/g, '');
  }
  return env;
}

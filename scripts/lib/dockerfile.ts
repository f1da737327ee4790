/** A small Dockerfile parser (packaging tests, and the benchmarks that run processes with the images' settings): stages, their instructions and ARG defaults. */

/** Each image's Dockerfile, relative to the repository root. */
export const DOCKERFILES = {
  detector: 'services/detector/Dockerfile',
  classifier: 'services/classifier/Dockerfile',
  function: 'function/Dockerfile',
} as const;

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

export function parseDockerfile(text: string): ParsedDockerfile {
  const argDefaults: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const instruction = parseInstruction(line);
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=', 2);
      argDefaults[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.words;
      const base = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => argDefaults[arg] ?? '');
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`instruction before FROM: ${line}`);
      stage.instructions.push(instruction);
    }
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

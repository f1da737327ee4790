/**
 * .dockerignore semantics, enough for our file: patterns in order, the last matching one
 * wins, `!` re-includes, `*` stays within a path segment, `**` spans segments, and a
 * pattern matching a directory covers everything below it.
 */
interface Rule {
  exclude: boolean;
  pattern: RegExp;
}

function toRegExp(pattern: string): RegExp {
  const cleaned = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < cleaned.length; i += 1) {
    const char = cleaned[i] ?? '';
    if (char === '*' && cleaned[i + 1] === '*') {
      source += '.*';
      i += 1;
      if (cleaned[i + 1] === '/') i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) =>
      line.startsWith('!')
        ? { exclude: false, pattern: toRegExp(line.slice(1).trim()) }
        : { exclude: true, pattern: toRegExp(line) },
    );
}

/** Whether `path` (relative to the context root) is left out of the build context. */
export function isIgnored(rules: readonly Rule[], path: string): boolean {
  const segments = path.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.pattern.test(prefix))) ignored = rule.exclude;
  }
  return ignored;
}

/**
 * The project's import graph (relative imports of its TypeScript and JavaScript modules, type
 * imports included) and its cycles: a module that reaches itself through its imports.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/** Module path -> the modules it imports (paths relative to `root`). */
export type ImportGraph = Map<string, string[]>;

/** `./x.js` written in a TypeScript module names `./x.ts`; a `.js` module may be the target itself. */
function resolve(from: string, specifier: string, known: Set<string>): string | undefined {
  const base = join(dirname(from), specifier);
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ])
    if (known.has(candidate)) return candidate;
  return undefined;
}

export function importGraph(root: string, files: readonly string[]): ImportGraph {
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(file, name, known))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Each cycle once, as the modules along it (depth-first search; a cycle is reported from where it was entered). */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Paths as the repository names them, for messages. */
export const repoPath = (root: string, file: string): string => relative(root, join(root, file));

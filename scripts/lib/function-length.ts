/**
 * The functions of the repository's modules and how many lines each spans (declarations,
 * methods, arrow functions and function expressions), for the rule that none outside the
 * tests runs over 80 lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface FunctionSpan {
  /** `path:line name` */
  where: string;
  lines: number;
}

function nameOf(node: ts.Node): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText();
  if (ts.isVariableDeclaration(node.parent)) return node.parent.name.getText();
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText();
  return '(anonymous)';
}

/** Every function of `text` (a module at `path`) with its length in lines. */
export function functionSpans(path: string, text: string): FunctionSpan[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)
    ) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ where: `${path}:${first + 1} ${nameOf(node)}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

/** The functions of the files under `root` longer than `maxLines`, longest first. */
export function longFunctions(
  root: string,
  files: readonly string[],
  maxLines: number,
): FunctionSpan[] {
  return files
    .flatMap((file) => functionSpans(file, readFileSync(join(root, file), 'utf8')))
    .filter((span) => span.lines > maxLines)
    .sort((a, b) => b.lines - a.lines);
}

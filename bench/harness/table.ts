/** Tables of benchmark results: aligned text for the terminal, markdown for the docs. */
export type Cell = string | number | boolean | undefined;

export interface Table {
  title: string;
  header: readonly string[];
  rows: readonly Cell[][];
}

function format(cell: Cell): string {
  if (cell === undefined) return '-';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return String(cell);
    return Number.isInteger(cell) ? String(cell) : cell.toFixed(Math.abs(cell) >= 100 ? 0 : 2);
  }
  return String(cell);
}

/** Aligned text, numbers right-aligned. */
export function renderTable({ title, header, rows }: Table): string {
  const cells = [header.map(String), ...rows.map((row) => row.map(format))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const numeric = header.map((_, c) =>
    rows.every((row) => typeof row[c] === 'number' || row[c] === undefined),
  );
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`\n${title}`, line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}

export function printTables(tables: readonly Table[]): void {
  for (const table of tables) console.log(renderTable(table));
}

/** A markdown section: the title as a heading, `note` under it, then the table. */
export function markdownTable({ title, header, rows }: Table, note = ''): string {
  return [
    `### ${title}`,
    ...(note ? [note] : []),
    [
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map((row) => `| ${row.map(format).join(' | ')} |`),
    ].join('\n'),
  ].join('\n\n');
}

/** A ratio or a count of seconds as tables show it: two decimals. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;
/** Whether a target is met, as a table cell. */
export const yesNo = (met: boolean): string => (met ? 'yes' : 'NO');

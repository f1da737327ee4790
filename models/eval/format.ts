/** Plain-text confusion matrix (rows = truth, columns = prediction) for terminals and READMEs. */
export function formatConfusion(
  confusion: readonly number[][],
  classes: readonly string[],
): string {
  const width = Math.max(...classes.map((c) => c.length), 6) + 1;
  const header =
    ' '.repeat(width) + classes.map((c) => c.slice(0, width - 1).padStart(width)).join('');
  const rows = confusion.map(
    (row, i) =>
      (classes[i] ?? String(i)).padEnd(width) + row.map((n) => String(n).padStart(width)).join(''),
  );
  return ['  truth \\ predicted', header, ...rows].map((l) => `  ${l}`).join('\n');
}

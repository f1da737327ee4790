/**
 * npm run bench:report [-- --write]: renders bench/results/*.json as markdown tables (the same
 * tables the benchmarks print, each defined beside its benchmark); with --write, replaces the generated
 * section of docs/performance.md (between its markers).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { readCli } from '../scripts/lib/cli.js';
import { REPO_ROOT } from '../scripts/lib/repo-root.js';
import { RESULTS_DIR } from './harness/results.js';
import { markdownTable, type Table } from './harness/table.js';
import { batchingTables } from './batching.js';
import { coldStartTables } from './cold-start.js';
import { e2eTables } from './e2e.js';
import { eventLoopTables } from './event-loop.js';
import { floorTables } from './floor.js';
import { limitTables } from './limit.js';
import { memoryTables } from './memory.js';
import { oneProcessTables } from './one-process.js';

const USAGE = `Usage: npm run bench:report -- [--write]
Renders bench/results/*.json as markdown tables.

Options:
  --write      replace the generated section of docs/performance.md instead of printing
  -h, --help   show this help`;

const args = readCli(
  USAGE,
  (argv) =>
    parseArgs({ args: argv, options: { write: { type: 'boolean', default: false } } }).values,
);

const DOC = `${REPO_ROOT}docs/performance.md`;
const START = '<!-- bench:results:start (npm run bench:report -- --write) -->';
const END = '<!-- bench:results:end -->';

/** bench/results/<name>.json as written by harness/results.ts. */
interface ResultFile {
  date: string;
  machine: { loadAverage1m: number; gitCommit: string };
  settings: Record<string, unknown>;
  results: unknown;
}

/** Each saved result and how to tabulate it (the JSON has the shape its benchmark wrote). */
const REPORTS: Record<string, (file: ResultFile) => Table[]> = {
  limit: (f) => limitTables(f.results as Parameters<typeof limitTables>[0]),
  'one-process': (f) => oneProcessTables(f.results as Parameters<typeof oneProcessTables>[0]),
  floor: (f) => floorTables(f.results as Parameters<typeof floorTables>[0]),
  e2e: (f) => e2eTables(f.results as Parameters<typeof e2eTables>[0]),
  batching: (f) => batchingTables(f.results as Parameters<typeof batchingTables>[0]),
  'cold-start': (f) =>
    coldStartTables(
      f.results as Parameters<typeof coldStartTables>[0],
      Number(f.settings.targetMs),
    ),
  memory: (f) =>
    memoryTables(f.results as Parameters<typeof memoryTables>[0], Number(f.settings.concurrency)),
  'event-loop': (f) =>
    eventLoopTables(f.results as Parameters<typeof eventLoopTables>[0], {
      concurrency: Number(f.settings.concurrency),
      limitP99Ms: Number(f.settings.limitP99Ms),
    }),
};

const stamp = (file: ResultFile) =>
  `_${file.date.slice(0, 16).replace('T', ' ')} UTC, commit ${file.machine.gitCommit}, load average ${String(file.machine.loadAverage1m)} when written._`;

const sections: string[] = [];
for (const [name, tabulate] of Object.entries(REPORTS)) {
  const path = `${RESULTS_DIR}${name}.json`;
  if (!existsSync(path)) continue;
  const file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
  tabulate(file).forEach((table, i) => {
    sections.push(markdownTable(table, i === 0 ? stamp(file) : ''));
  });
}

const markdown = sections.join('\n\n');
if (args.write) {
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${START} ... ${END} section`);
  const updated = `${doc.slice(0, from + START.length)}\n\n${markdown}\n\n${doc.slice(to)}`;
  writeFileSync(DOC, await format(updated, { parser: 'markdown', ...(await resolveConfig(DOC)) }));
  console.log(`updated ${DOC}`);
} else {
  console.log(markdown);
}

import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { integerFlag, UsageError, userPath } from '../lib/cli.js';
import { DEFAULT_PORT } from '../local-stack/cli-args.js';

/** Command-line flags of `npm run classify`. */
export interface ClassifyArgs {
  /** Photos and folders, resolved from the directory the user ran npm in. */
  inputs: string[];
  /** The annotated photo (one photo only). */
  output?: string;
  /** The results file of a batch (.csv or .jsonl). */
  out?: string;
  /** The crate report of a batch (.html). */
  report?: string;
  url: string;
  minConfidence?: string;
  json: boolean;
  /** Photos in flight at once in a batch. */
  concurrency: number;
  /** API key for a function that requires one (--key or BANANA_API_KEY). */
  apiKey?: string;
}

export const DEFAULT_URL = `http://localhost:${DEFAULT_PORT}`;
export const DEFAULT_CONCURRENCY = 4;
export const RESULT_FORMATS = ['.csv', '.jsonl'] as const;

export const CLASSIFY_USAGE = `Usage: npm run classify -- <photo | folder>... [options]
One photo: prints its bananas as a table. Several photos, folders (JPEG, PNG and WebP files in
them, subfolders included) or --out: grades them all into a results file, one row per banana.

Options:
  --out FILE            results file, .csv or .jsonl; a photo already in it (same path from
                        the file's folder, same SHA-256) is skipped, so an interrupted batch
                        continues where it stopped
  --report FILE         also write a crate report of the batch: one HTML file (opens without
                        network) with bananas per stage, a ripeness histogram, the photos
                        ripest first with their boxes, and the failures
  --concurrency N       photos sent at once in a batch, 1..64 (default ${DEFAULT_CONCURRENCY})
  -o, --output FILE     save the annotated photo (JPEG; one photo only)
  --url URL             the function (default $BANANA_URL or ${DEFAULT_URL}); start one with npm start
  --min-confidence X    drop detections below X (0..1)
  --json                one photo: print the function's JSON answer instead of a table
  --key KEY             API key for a function that requires one (default $BANANA_API_KEY;
                        prefer the variable: arguments show in the process list)
  -h, --help            show this help`;

function apiKeyOf(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { apiKey?: string } {
  const apiKey = flag ?? env.BANANA_API_KEY?.trim();
  if (flag !== undefined && flag.trim() === '') throw new UsageError('--key needs a key');
  return apiKey ? { apiKey } : {};
}

export function parseClassifyArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): ClassifyArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      output: { type: 'string', short: 'o' },
      out: { type: 'string' },
      report: { type: 'string' },
      url: { type: 'string', default: env.BANANA_URL ?? DEFAULT_URL },
      'min-confidence': { type: 'string' },
      json: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
      key: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('which photo? give its path (or a folder)');
  if (values.output !== undefined && positionals.length > 1) {
    throw new UsageError('-o/--output saves one annotated photo; give one photo (or use --out)');
  }
  if (
    values.out !== undefined &&
    !(RESULT_FORMATS as readonly string[]).includes(extname(values.out).toLowerCase())
  ) {
    throw new UsageError(`--out needs a .csv or .jsonl file, got ${values.out}`);
  }
  if (values.report !== undefined && extname(values.report).toLowerCase() !== '.html') {
    throw new UsageError(`--report needs an .html file, got ${values.report}`);
  }
  if (values.report !== undefined && values.out === undefined) {
    throw new UsageError("--report is built from a batch's results: add --out results.csv");
  }
  return {
    inputs: positionals.map((path) => userPath(path, env)),
    ...(values.report !== undefined && { report: userPath(values.report, env) }),
    output: values.output === undefined ? undefined : userPath(values.output, env),
    out: values.out === undefined ? undefined : userPath(values.out, env),
    url: values.url.replace(/\/+$/, ''),
    minConfidence: values['min-confidence'],
    json: values.json,
    concurrency: integerFlag('--concurrency', values.concurrency, 1, 64),
    ...apiKeyOf(values.key, env),
  };
}

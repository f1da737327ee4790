/**
 * `npm run classify -- photo.jpg [-o annotated.jpg]`: sends one photo to a running function and
 * prints the detections as a table. `npm run classify -- folder/ --out results.csv`: grades every
 * photo of a folder into a results file, one row per banana. Nothing is started: the function
 * is the one at --url ($BANANA_URL, or the local stack of `npm start`).
 */
import { stat, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { readCli } from '../lib/cli.js';
import { CLASSIFY_USAGE, parseClassifyArgs, type ClassifyArgs } from './args.js';
import { runBatch } from './batch.js';
import { formatAnswer } from './format-result.js';
import { fetchStages, postPhoto } from './function-client.js';
import { displayName, listPhotos } from './photos.js';
import { formatOf, readResults } from './results-file.js';
import { writeReport } from './report.js';
import { formatSummary } from './progress.js';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function isBatch(args: ClassifyArgs): Promise<boolean> {
  if (args.out !== undefined || args.inputs.length > 1) return true;
  const info = await stat(args.inputs[0] ?? '').catch(() => undefined);
  return info?.isDirectory() === true;
}

async function classifyOne(args: ClassifyArgs, path: string): Promise<void> {
  const photo = await readFile(path).catch((error: unknown) =>
    fail(`Cannot read ${path}: ${(error as Error).message}`),
  );
  const answer = await postPhoto(photo, {
    url: args.url,
    minConfidence: args.minConfidence,
    annotated: args.output !== undefined,
    apiKey: args.apiKey,
  }).catch((error: unknown) => fail((error as Error).message));
  if (args.json) console.log(JSON.stringify({ ...answer, img: undefined }, null, 2));
  else console.log(formatAnswer(answer));
  if (args.output && answer.img) {
    await writeFile(args.output, Buffer.from(answer.img, 'base64'));
    console.log(`\nannotated photo saved to ${args.output}`);
  }
}

/** The crate report of the batch's photos, from the results file (their latest grading). */
async function reportBatch(
  args: ClassifyArgs,
  reportPath: string,
  resultsPath: string,
  photos: readonly string[],
): Promise<void> {
  const started = performance.now();
  const base = dirname(resultsPath);
  const stages = await fetchStages(args.url, args.apiKey).catch((error: unknown) =>
    fail(`Cannot build the report: ${(error as Error).message}`),
  );
  const { rows } = readResults(await readFile(resultsPath), formatOf(resultsPath));
  const written = await writeReport({
    reportPath,
    photos: photos.map((path) => ({ path, file: displayName(path, base) })),
    rows,
    stages,
    title: `Ripeness of ${args.inputs.map((input) => basename(input)).join(', ')}`,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Report: ${reportPath} (${written.photos} photos, ${(written.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s`,
  );
}

async function classifyBatch(args: ClassifyArgs): Promise<void> {
  if (args.out === undefined) {
    fail(
      `Several photos need a results file: add --out results.csv (or .jsonl)\n\n${CLASSIFY_USAGE}`,
      2,
    );
  }
  const photos = await listPhotos(args.inputs).catch((error: unknown) =>
    fail(`Cannot list the photos: ${(error as Error).message}`),
  );
  const terminal = process.stderr.isTTY;
  const resultsPath = args.out;
  // Rows are appended photo by photo: what is in the file stays, and the same command resumes.
  process.once('SIGINT', () => {
    console.error(
      `${terminal ? '\n' : ''}Interrupted. The photos graded so far are in ${resultsPath}; ` +
        'run the same command again to resume (photos already graded are skipped).',
    );
    process.exit(130);
  });
  let lastDraw = 0;
  const summary = await runBatch({
    photos,
    resultsPath: args.out,
    url: args.url,
    minConfidence: args.minConfidence,
    concurrency: args.concurrency,
    apiKey: args.apiKey,
    onProgress: terminal
      ? (line) => {
          const now = performance.now();
          if (now - lastDraw < 100 && !line.includes(' ETA 0 s')) return;
          lastDraw = now;
          process.stderr.write(`\r${line}\u001b[K`);
        }
      : undefined,
  }).catch((error: unknown) => fail(`${terminal ? '\n' : ''}${(error as Error).message}`));
  if (terminal) process.stderr.write('\n');
  console.log(formatSummary(summary, args.out));
  if (args.report !== undefined) await reportBatch(args, args.report, args.out, photos);
  if (summary.failed > 0) {
    console.error(
      `${summary.failed} ${summary.failed === 1 ? 'photo' : 'photos'} failed (the error column says why); ` +
        'run the same command again to try them again.',
    );
    process.exitCode = 1;
  }
}

const args = readCli(CLASSIFY_USAGE, (argv) => parseClassifyArgs(argv, process.env));
if (await isBatch(args)) await classifyBatch(args);
else await classifyOne(args, args.inputs[0] ?? '');

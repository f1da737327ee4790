/**
 * `npm run calibrate -- --with-bananas DIR --without-bananas DIR`: the detector's default
 * confidence chosen on the user's own photos, written as a calibration overlay into the models
 * directory that the services watch (lib/model-card/model-dir.ts). The model runs here, with
 * the services' own preprocessing and post-processing (models/eval/run-models.ts), on the
 * version the services would serve from that directory.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import {
  detectorCardOf,
  findModelFiles,
  writeThresholdOverlay,
} from '../../lib/model-card/index.js';
import { detectBytes, openSession } from '../../models/eval/run-models.js';
import { listPhotos } from '../classify/photos.js';
import { readCli } from '../lib/cli.js';
import { CALIBRATE_USAGE, parseCalibrateArgs } from './args.js';
import {
  calibrationTable,
  chooseConfidence,
  formatTable,
  MIN_CONFIDENCE,
  rowAt,
  TABLE_CONFIDENCES,
} from './calibrate.js';

const args = readCli(CALIBRATE_USAGE, (argv) => parseCalibrateArgs(argv, process.env));

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const files = await findModelFiles(args.modelDir, 'detector').catch((error: unknown) =>
  fail((error as Error).message),
);
const card = await detectorCardOf(files);
const session = await openSession(files.modelPath);

/** Each photo's most confident detection (0 without any); unreadable photos are listed apart. */
async function topScores(dir: string, what: string) {
  const photos = await listPhotos([dir]).catch((error: unknown) =>
    fail(`Cannot read ${dir}: ${(error as Error).message}`),
  );
  if (photos.length === 0) fail(`${dir} holds no photos (JPEG, PNG or WebP)`);
  const scores: number[] = [];
  const unreadable: string[] = [];
  for (const [i, path] of photos.entries()) {
    try {
      const { predictions } = await detectBytes(
        session,
        card,
        await readFile(path),
        MIN_CONFIDENCE,
      );
      scores.push(predictions[0]?.score ?? 0);
    } catch (error) {
      unreadable.push(`${relative(dir, path)}: ${(error as Error).message}`);
    }
    if (process.stderr.isTTY) process.stderr.write(`\r${what}: ${i + 1}/${photos.length}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (unreadable.length > 0) {
    console.log(`${unreadable.length} photo(s) of ${dir} skipped:\n  ${unreadable.join('\n  ')}`);
  }
  return scores;
}

const started = performance.now();
const withBananas = await topScores(args.withBananas, 'with bananas');
const withoutBananas = await topScores(args.withoutBananas, 'without bananas');
const seconds = (performance.now() - started) / 1000;

const chosen = chooseConfidence(withBananas, args.targetFound);
const current = card.thresholds.confidence;
const rows = calibrationTable(
  withBananas,
  withoutBananas,
  [...new Set([...TABLE_CONFIDENCES, current, ...(chosen === undefined ? [] : [chosen])])].sort(
    (a, b) => a - b,
  ),
);
const marks = new Map([[current, `in force (${card.thresholds.source})`]]);
if (chosen !== undefined) marks.set(chosen, chosen === current ? 'in force and chosen' : 'chosen');
console.log(
  `${card.name} ${card.version} (${files.origin}) over ${withBananas.length} photos with bananas and ${withoutBananas.length} without, in ${seconds.toFixed(1)} s:\n`,
);
console.log(formatTable(rows, marks));

if (chosen === undefined) {
  fail(
    `\nNo confidence finds ${args.targetFound * 100}% of the photos with bananas (at ${MIN_CONFIDENCE} it finds ${(rowAt(withBananas, withoutBananas, MIN_CONFIDENCE).found * 100).toFixed(1)}%): nothing written. Lower --target-found, or fine-tune the detector on these photos (npm run finetune).`,
  );
}
const at = rowAt(withBananas, withoutBananas, chosen);
const before = rowAt(withBananas, withoutBananas, current);
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const basis = `${pct(at.found)} of ${withBananas.length} photos with bananas found, ${pct(at.flagged)} of ${withoutBananas.length} without flagged (target ${pct(args.targetFound)} found)`;
console.log(
  `\nChosen: ${chosen} (${basis}); in force now: ${current}, which finds ${pct(before.found)} and flags ${pct(before.flagged)}.`,
);
if (args.dryRun) {
  console.log('--dry-run: nothing written.');
} else {
  const overlay = await writeThresholdOverlay(
    args.modelDir,
    'detector',
    {
      model: { name: card.name, version: card.version },
      confidence: chosen,
      writtenAt: new Date().toISOString(),
      basis,
    },
    {
      photos: {
        with_bananas: { folder: args.withBananas, count: withBananas.length, found: at.found },
        without_bananas: {
          folder: args.withoutBananas,
          count: withoutBananas.length,
          flagged: at.flagged,
        },
      },
      replaced: { confidence: current, source: card.thresholds.source },
    },
  );
  console.log(
    `Wrote ${overlay.path} (calibration ${overlay.revision}). Services watching ${args.modelDir} apply it within MODEL_POLL_MS; delete the file to go back.`,
  );
}

import { parseArgs } from 'node:util';
import { UsageError, userPath } from '../lib/cli.js';

export interface CalibrateArgs {
  withBananas: string;
  withoutBananas: string;
  targetFound: number;
  modelDir: string;
  dryRun: boolean;
}

export const DEFAULT_TARGET_FOUND = 0.95;

export const CALIBRATE_USAGE = `Usage: npm run calibrate -- --with-bananas DIR --without-bananas DIR [options]
Runs the detector (the served model in the models directory, with the services' own code) over
two folders of your photos, prints the share of photos with bananas found and of photos without
flagged at each confidence, and writes the highest confidence that still finds --target-found of
them as a calibration overlay (<model dir>/detector/thresholds/<n>.json). Running services pick
it up within MODEL_POLL_MS, without a restart; delete the file to go back.

Options:
  --with-bananas DIR     photos (JPEG, PNG; subfolders too) that each show at least one banana
  --without-bananas DIR  photos of the same place that show none
  --target-found X       share of the photos with bananas to keep found, 0.5..1 (default ${DEFAULT_TARGET_FOUND})
  --model-dir DIR        the models directory (default $MODEL_DIR or models)
  --dry-run              print the table and the choice, write nothing
  -h, --help             show this help`;

export function parseCalibrateArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): CalibrateArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'with-bananas': { type: 'string' },
      'without-bananas': { type: 'string' },
      'target-found': { type: 'string' },
      'model-dir': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const withBananas = values['with-bananas'];
  const withoutBananas = values['without-bananas'];
  if (withBananas === undefined || withoutBananas === undefined) {
    throw new UsageError('give both --with-bananas DIR and --without-bananas DIR');
  }
  const target = values['target-found'] ?? String(DEFAULT_TARGET_FOUND);
  const targetFound = Number(target);
  if (
    target.trim() === '' ||
    !Number.isFinite(targetFound) ||
    targetFound < 0.5 ||
    targetFound > 1
  ) {
    throw new UsageError(`--target-found needs a share from 0.5 to 1, got ${target}`);
  }
  return {
    withBananas: userPath(withBananas, env),
    withoutBananas: userPath(withoutBananas, env),
    targetFound,
    modelDir: userPath(values['model-dir'] ?? env.MODEL_DIR ?? 'models', env),
    dryRun: values['dry-run'],
  };
}

import { parseArgs } from 'node:util';
import { UsageError, userPath } from '../../scripts/lib/cli.js';

export const EVAL_USAGE = `Usage: npm run eval -- [options]
Runs the shipped models over the val split and prints their metrics.

Options:
  --data DIR          the dataset (splits.csv and the photos); default ../shared/data/banana-ripening
  --model NAME        detector, classifier or both (default both)
  --check             exit 1 when a metric falls below the model card's value minus the tolerance
  --tolerance X       for --check (default 0.01)
  --json FILE         also write the measured metrics as JSON
  --negatives DIR     also run the detector over every photo under DIR (photos without bananas)
                      and report the fraction with any detection at the card's confidence
  --realworld DIR     also report on the real-world photo sets of DIR (manifest.json written by
                      models/data/fetch_realworld.py; default $BANANA_REALWORLD_DIR if set):
                      photos without bananas with any detection, bananas found, count error,
                      coarse ripeness
  --update-cards      write the measured numbers into the cards' metrics.val (after training)
  -h, --help          show this help`;

export interface EvalArgs {
  /** Absolute. */
  data: string;
  model: 'detector' | 'classifier' | 'both';
  check: boolean;
  /** As given (printed back). */
  tolerance: string;
  /** Absolute. */
  json?: string;
  /** Absolute; a folder of photos without bananas. */
  negatives?: string;
  /** Absolute; a folder with manifest.json (models/data/fetch_realworld.py). */
  realworld?: string;
  'update-cards': boolean;
}

const MODELS = ['detector', 'classifier', 'both'] as const;

/** `defaultData` is absolute; relative paths given by the user resolve from where npm was run. */
export function parseEvalArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  defaultData: string,
): EvalArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      model: { type: 'string', default: 'both' },
      check: { type: 'boolean', default: false },
      tolerance: { type: 'string', default: '0.01' },
      json: { type: 'string' },
      negatives: { type: 'string' },
      realworld: { type: 'string' },
      'update-cards': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const model = MODELS.find((m) => m === values.model);
  if (model === undefined) {
    throw new UsageError(`--model must be detector, classifier or both, got ${values.model}`);
  }
  const tolerance = Number(values.tolerance);
  if (values.tolerance.trim() === '' || !(tolerance >= 0 && tolerance <= 1)) {
    throw new UsageError(`--tolerance needs a number from 0 to 1, got ${values.tolerance}`);
  }
  return {
    data: values.data === undefined ? defaultData : userPath(values.data, env),
    model,
    check: values.check,
    tolerance: values.tolerance,
    json: values.json === undefined ? undefined : userPath(values.json, env),
    negatives: values.negatives === undefined ? undefined : userPath(values.negatives, env),
    realworld: realworldDir(values.realworld, env),
    'update-cards': values['update-cards'],
  };
}

function realworldDir(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const value = flag ?? env.BANANA_REALWORLD_DIR;
  if (value === undefined || value.trim() === '') return undefined;
  return userPath(value, env);
}

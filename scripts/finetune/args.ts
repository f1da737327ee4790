import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { integerFlag, UsageError, userPath } from '../lib/cli.js';
import { SHIPPED_DATA } from '../lib/repo-root.js';

export const MODELS = ['detector', 'classifier'] as const;
export type FinetuneModel = (typeof MODELS)[number];

export interface FinetuneArgs {
  model: FinetuneModel;
  data: string;
  /** Detector: photos that show bananas, without boxes (boxed by the served model). */
  withBananas?: string | undefined;
  modelDir: string;
  /** The shipped training data mixed in (rehearsal) and its val split reported; undefined: none. */
  replay?: string | undefined;
  epochs: number;
  holdout: number;
  force: boolean;
}

export const FINETUNE_USAGE = `Usage: npm run finetune -- detector|classifier --data DIR [options]
Continues training the served model (the newest version in the models directory) on your photos
with models/training (Debian's python3-torch), holds out a fifth of them, prints the hold-out and
the shipped val split before and after, and writes the best epoch as a new version folder
(<model dir>/<model>/<n>/) that running services swap in within MODEL_POLL_MS. Ctrl-C stops
after the current step and keeps the best epoch so far.

  detector:    DIR/images/*.jpg with DIR/labels/<name>.txt in YOLO format ("0 cx cy w h" per
               banana, normalised); a photo without a label file, or with an empty one, shows
               no banana: photos of your place without bananas teach it what is not one
               --with-bananas DIR adds photos that show bananas but have no boxes: the
               served model boxes them (pseudo-labels; those where it finds none are left out)
  classifier:  DIR/<stage>/*.jpg, one banana per photo, stage folders named as the model's
               classes (underripe, barely_ripe, ripe, very_ripe, overripe, rotten)

Options:
  --with-bananas DIR  detector: photos with bananas, not boxed (see above)
  --model-dir DIR   the models directory (default $MODEL_DIR or models)
  --epochs N        passes over your photos, 1..100 (default 8)
  --holdout X       share of your photos held out to judge each epoch, 0.1..0.5 (default 0.2)
  --replay DIR      the shipped training data, mixed in as many photos as yours so the model
                    keeps what it knew (default ${SHIPPED_DATA} when present)
  --no-replay       train on your photos only
  --force           write the best epoch even when it does not beat the served model
  -h, --help        show this help`;

export function parseFinetuneArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  shippedData: string = SHIPPED_DATA,
): FinetuneArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'with-bananas': { type: 'string' },
      'model-dir': { type: 'string' },
      epochs: { type: 'string' },
      holdout: { type: 'string' },
      replay: { type: 'string' },
      'no-replay': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [model, ...rest] = positionals;
  if (model === undefined || !MODELS.includes(model as FinetuneModel)) {
    throw new UsageError(`say which model: detector or classifier${model ? `, got ${model}` : ''}`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (values.data === undefined) throw new UsageError('give --data DIR (your photos)');
  if (values['with-bananas'] !== undefined && model !== 'detector') {
    throw new UsageError(
      '--with-bananas is for the detector (the classifier learns from stage folders)',
    );
  }
  if (values.replay !== undefined && values['no-replay']) {
    throw new UsageError('give --replay DIR or --no-replay, not both');
  }
  const holdoutText = values.holdout ?? '0.2';
  const holdout = Number(holdoutText);
  if (holdoutText.trim() === '' || !(holdout >= 0.1 && holdout <= 0.5)) {
    throw new UsageError(`--holdout needs a share from 0.1 to 0.5, got ${holdoutText}`);
  }
  const replay = values['no-replay']
    ? undefined
    : values.replay !== undefined
      ? userPath(values.replay, env)
      : existsSync(shippedData)
        ? shippedData
        : undefined;
  return {
    model: model as FinetuneModel,
    data: userPath(values.data, env),
    withBananas:
      values['with-bananas'] === undefined ? undefined : userPath(values['with-bananas'], env),
    modelDir: userPath(values['model-dir'] ?? env.MODEL_DIR ?? 'models', env),
    replay,
    epochs: integerFlag('--epochs', values.epochs ?? '8', 1, 100),
    holdout,
    force: values.force,
  };
}

/**
 * `npm run finetune -- detector|classifier --data DIR`: the served model trained further on the
 * user's photos by models/training/finetune.py (Debian's python3-torch), written as the next
 * version folder of the models directory, which running services swap in live
 * (lib/model-card/model-dir.ts). The new version is built in a dot-folder and renamed into
 * place, so a service never sees half of it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findModelFiles,
  loadClassifierCard,
  loadDetectorCard,
  nextVersionNumber,
} from '../../lib/model-card/index.js';
import { readCli } from '../lib/cli.js';
import { REPO_ROOT } from '../lib/repo-root.js';
import { FINETUNE_USAGE, parseFinetuneArgs } from './args.js';
import { toolchainProblem, PYTHON } from './toolchain.js';

const args = readCli(FINETUNE_USAGE, (argv) => parseFinetuneArgs(argv, process.env));

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const problem = toolchainProblem(spawnSync);
if (problem !== undefined) fail(problem);

const files = await findModelFiles(args.modelDir, args.model).catch((error: unknown) =>
  fail((error as Error).message),
);
const loadCard = { detector: loadDetectorCard, classifier: loadClassifierCard }[args.model];
const card = await loadCard(files.cardPath).catch((error: unknown) =>
  fail((error as Error).message),
);
const n = await nextVersionNumber(args.modelDir, args.model);
// A version of a version keeps the base's number: 2.2.0-ft.1, then 2.2.0-ft.2.
const version = `${card.version.replace(/-ft\.\d+$/, '')}-ft.${n}`;
const folder = join(args.modelDir, args.model, String(n));
const partial = join(args.modelDir, args.model, `.${n}.partial`);
console.log(
  `Fine-tuning ${args.model} ${card.version} (${files.origin}) on ${args.data} into ${folder} as ${version}` +
    `${args.replay ? `, with the shipped training data of ${args.replay} mixed in` : ''}.`,
);

const child = spawn(
  PYTHON,
  [
    join(REPO_ROOT, 'models', 'training', 'finetune.py'),
    args.model,
    '--data',
    args.data,
    '--card',
    files.cardPath,
    '--onnx',
    files.modelPath,
    '--out',
    partial,
    '--version',
    version,
    '--epochs',
    String(args.epochs),
    '--holdout',
    String(args.holdout),
    ...(args.withBananas ? ['--with-bananas', args.withBananas] : []),
    ...(args.replay ? ['--replay', args.replay] : []),
    ...(args.force ? ['--force'] : []),
  ],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the trainer too (same process group): it stops after the step and exports
// the best epoch; this process waits for that instead of dying first.
process.on('SIGINT', () => undefined);
const code = await new Promise<number>((resolve) => {
  child.on('exit', (exitCode, signal) => {
    resolve(exitCode ?? (signal === null ? 1 : 128));
  });
});
if (code !== 0) {
  await rm(partial, { recursive: true, force: true });
  fail(code === 3 ? 'Nothing written.' : `The trainer failed (exit ${code}); nothing written.`);
}
await rename(partial, folder);
console.log(
  `Wrote ${folder} (${args.model} ${version}). Services watching ${args.modelDir} swap it in within MODEL_POLL_MS; delete the folder to go back.` +
    (args.model === 'detector'
      ? "\nIts confidence threshold is the base model's: choose one for it with npm run calibrate."
      : ''),
);

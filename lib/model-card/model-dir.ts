/**
 * A models directory (MODEL_DIR), laid out like the version folders of TensorFlow Serving and
 * Triton so that a new version is a new folder, written beside the running one:
 *
 *   MODEL_DIR/detector.onnx, detector.json        the base model (the shipped models/)
 *   MODEL_DIR/detector/<n>/detector.onnx + .json  versions (npm run finetune); highest n served
 *   MODEL_DIR/detector/thresholds/<n>.json        threshold overlays (npm run calibrate); the
 *                                                 highest n naming the served version applies
 *
 * Writers build a folder or file under a dot-name and rename it into place, so a reader never
 * sees half a version. Removing the newest folder or overlay rolls back.
 */
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonFields } from './json-fields.js';
import { ModelCardError } from './model-card-error.js';
import { loadClassifierCard, loadDetectorCard } from './load.js';
import type { ClassifierCard, DetectorCard } from './types.js';

/** The files one service loads from a models directory. */
export interface ModelFiles {
  modelPath: string;
  cardPath: string;
  /** "base" or "<kind>/<n>": where in the directory the model came from (logs). */
  origin: string;
  /** Overlay files, newest first (`<kind>/thresholds/<n>.json`). */
  overlayPaths: string[];
  /** Changes whenever any of those files (or the set of them) changes. */
  fingerprint: string;
}

/** A calibration written by `npm run calibrate`: the detector's thresholds for one version. */
export interface ThresholdOverlay {
  revision: number;
  path: string;
  model: { name: string; version: string };
  confidence: number;
  writtenAt: string;
  /** One line on what chose it (photos, target), for the threshold's reported source. */
  basis: string;
}

const NUMBERED = /^\d+$/;
const NUMBERED_JSON = /^(\d+)\.json$/;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The file's stat, or undefined when there is no such file. */
async function fileStat(path: string): Promise<Stats | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? info : undefined;
}

/** One line per file that changes whenever its size, time or inode does. */
const fingerprintPart = (path: string, info: Stats) =>
  `${path}:${info.size}:${info.mtimeMs}:${info.ino}`;

/** Both files of a model and their fingerprint parts, or undefined unless both are there. */
async function modelAt(modelPath: string, cardPath: string) {
  const [model, card] = await Promise.all([fileStat(modelPath), fileStat(cardPath)]);
  if (!model || !card) return undefined;
  const parts = [fingerprintPart(modelPath, model), fingerprintPart(cardPath, card)];
  return { modelPath, cardPath, parts };
}

/** Numbered names (`7`, or `7.json` with `pattern`), highest number first. */
function newestFirst(names: string[], pattern: RegExp): Array<{ name: string; n: number }> {
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map(({ name, match }) => ({ name, n: Number(match?.[1] ?? match?.[0]) }))
    .sort((a, b) => b.n - a.n);
}

/**
 * The model files `kind` ("detector", "classifier") is served from: the highest complete
 * version folder, else the base files; plus the threshold overlays. Fails naming the
 * directory when it holds neither.
 */
export async function findModelFiles(dir: string, kind: string): Promise<ModelFiles> {
  const versionsDir = join(dir, kind);
  let chosen: { modelPath: string; cardPath: string; parts: string[]; origin: string } | undefined;
  for (const { name } of newestFirst(await entries(versionsDir), NUMBERED)) {
    const found = await modelAt(
      join(versionsDir, name, `${kind}.onnx`),
      join(versionsDir, name, `${kind}.json`),
    );
    if (found) {
      chosen = { ...found, origin: `${kind}/${name}` };
      break;
    }
  }
  if (chosen === undefined) {
    const base = await modelAt(join(dir, `${kind}.onnx`), join(dir, `${kind}.json`));
    if (base === undefined) {
      throw new ModelCardError(
        dir,
        `holds no ${kind} model: expected ${kind}.onnx and ${kind}.json, or a version folder ${kind}/<n>/ with both (MODEL_DIR)`,
      );
    }
    chosen = { ...base, origin: 'base' };
  }
  const overlaysDir = join(versionsDir, 'thresholds');
  const overlayPaths = newestFirst(await entries(overlaysDir), NUMBERED_JSON).map(({ name }) =>
    join(overlaysDir, name),
  );
  const { parts, ...files } = chosen;
  const overlayParts = await Promise.all(
    overlayPaths.map(async (path) => fingerprintPart(path, await stat(path))),
  );
  return { ...files, overlayPaths, fingerprint: [...parts, ...overlayParts].join('|') };
}

/** Validates one overlay file's JSON. */
export function parseThresholdOverlay(json: unknown, path: string): ThresholdOverlay {
  const fields = new JsonFields(path, json);
  return {
    revision: fields.positiveInteger('revision'),
    path,
    model: { name: fields.string('model.name'), version: fields.string('model.version') },
    confidence: fields.number('thresholds.confidence', { min: 0, max: 1 }),
    writtenAt: fields.string('written_at'),
    basis: fields.string('basis'),
  };
}

async function readOverlay(path: string): Promise<ThresholdOverlay> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ModelCardError(path, `cannot be read as JSON: ${(error as Error).message}`);
  }
  return parseThresholdOverlay(json, path);
}

/** The newest overlay written for this card's model and version, if any. */
export async function overlayFor(
  card: Pick<DetectorCard, 'name' | 'version'>,
  overlayPaths: readonly string[],
): Promise<ThresholdOverlay | undefined> {
  for (const path of overlayPaths) {
    const overlay = await readOverlay(path);
    if (overlay.model.name === card.name && overlay.model.version === card.version) return overlay;
  }
  return undefined;
}

/** The card with the overlay's confidence in force, and the overlay named as its source. */
export function withOverlay(
  card: DetectorCard,
  overlay: ThresholdOverlay | undefined,
): DetectorCard {
  if (overlay === undefined) return card;
  return {
    ...card,
    thresholds: {
      ...card.thresholds,
      confidence: overlay.confidence,
      source: `calibration ${overlay.revision} (${overlay.writtenAt.slice(0, 10)}): ${overlay.basis}`,
    },
  };
}

/** Writes `content` to `path` through a dot-named file renamed into place. */
async function writeAtomically(path: string, dir: string, name: string, content: string) {
  await mkdir(dir, { recursive: true });
  const scratch = join(dir, `.${name}.${process.pid}.tmp`);
  await writeFile(scratch, content);
  await rename(scratch, path);
}

/** Writes the next threshold overlay for `model`; returns it. */
export async function writeThresholdOverlay(
  dir: string,
  kind: string,
  overlay: Omit<ThresholdOverlay, 'revision' | 'path'>,
  extra: Record<string, unknown> = {},
): Promise<ThresholdOverlay> {
  const overlaysDir = join(dir, kind, 'thresholds');
  const newest = newestFirst(await entries(overlaysDir), NUMBERED_JSON)[0];
  const revision = (newest?.n ?? 0) + 1;
  const name = `${revision}.json`;
  const path = join(overlaysDir, name);
  const json = {
    revision,
    model: overlay.model,
    thresholds: { confidence: overlay.confidence },
    written_at: overlay.writtenAt,
    basis: overlay.basis,
    ...extra,
  };
  await writeAtomically(path, overlaysDir, name, `${JSON.stringify(json, null, 2)}\n`);
  return { ...overlay, revision, path };
}

/** The folder number the next version of `kind` gets in `dir`. */
export async function nextVersionNumber(dir: string, kind: string): Promise<number> {
  const newest = newestFirst(await entries(join(dir, kind)), NUMBERED)[0];
  return (newest?.n ?? 0) + 1;
}

/** The detector's card from a models directory, with the calibration in force applied. */
export async function detectorCardOf(files: ModelFiles): Promise<DetectorCard> {
  const card = await loadDetectorCard(files.cardPath);
  return withOverlay(card, await overlayFor(card, files.overlayPaths));
}

/** The classifier's card from a models directory (it has no thresholds to calibrate). */
export function classifierCardOf(files: ModelFiles): Promise<ClassifierCard> {
  return loadClassifierCard(files.cardPath);
}

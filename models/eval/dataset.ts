/** Reads the val split of a dataset laid out like ../shared/data/banana-ripening (see its README). */
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Box } from '../../lib/vision/index.js';

export interface DetectionSample {
  imagePath: string;
  /** YOLO label rows "class cx cy w h", normalised to the image size. */
  labelPath: string;
}

export interface CropSample {
  imagePath: string;
  classIndex: number;
}

async function readSplit(dataDir: string, split: string): Promise<Set<string>> {
  const text = await readFile(join(dataDir, 'splits.csv'), 'utf8');
  const files = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const comma = line.lastIndexOf(',');
    if (comma > 0 && line.slice(comma + 1).trim() === split) files.add(line.slice(0, comma));
  }
  return files;
}

export async function detectionSamples(dataDir: string, split = 'val'): Promise<DetectionSample[]> {
  const files = await readSplit(dataDir, split);
  return [...files]
    .filter((f) => f.startsWith('detect/images/'))
    .sort()
    .map((f) => ({
      imagePath: join(dataDir, f),
      labelPath: join(dataDir, 'detect', 'labels', `${basename(f, extname(f))}.txt`),
    }));
}

export async function cropSamples(
  dataDir: string,
  classes: readonly string[],
  split = 'val',
): Promise<CropSample[]> {
  const files = await readSplit(dataDir, split);
  const samples: CropSample[] = [];
  for (const [classIndex, stage] of classes.entries()) {
    const names = (await readdir(join(dataDir, 'classify', stage))).sort();
    for (const name of names) {
      if (files.has(`classify/${stage}/${name}`)) {
        samples.push({ imagePath: join(dataDir, 'classify', stage, name), classIndex });
      }
    }
  }
  return samples;
}

const PHOTO = /\.(jpe?g|png)$/i;

/** Every JPEG/PNG under dir (recursively), sorted: a folder of photos without bananas. */
export async function photosUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && PHOTO.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Ground-truth boxes of one image in its pixels. */
export async function readYoloLabels(path: string, width: number, height: number): Promise<Box[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .flatMap((row) => {
      const [, cx, cy, w, h] = row;
      if (
        row.length !== 5 ||
        cx === undefined ||
        cy === undefined ||
        w === undefined ||
        h === undefined
      )
        return [];
      if (!row.every(Number.isFinite)) return [];
      return [
        {
          xMin: (cx - w / 2) * width,
          yMin: (cy - h / 2) * height,
          xMax: (cx + w / 2) * width,
          yMax: (cy + h / 2) * height,
        },
      ];
    });
}

import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, isAbsolute } from 'node:path';

/** The extensions a folder is searched for (the function takes JPEG, PNG and WebP). */
export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * The photos to grade: files as given, folders searched (subfolders included) for JPEG, PNG and
 * WebP files. Sorted, without duplicates.
 */
export async function listPhotos(inputs: readonly string[]): Promise<string[]> {
  const photos = new Set<string>();
  for (const input of inputs) {
    const info = await stat(input);
    if (!info.isDirectory()) {
      photos.add(input);
      continue;
    }
    const entries = await readdir(input, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!PHOTO_EXTENSIONS.has(extname(entry.name).toLowerCase())) continue;
      const path = join(entry.parentPath, entry.name);
      // A symbolic link counts when it leads to a file.
      const isFile =
        entry.isFile() ||
        (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile() === true);
      if (isFile) photos.add(path);
    }
  }
  return [...photos].sort();
}

/** How a photo is named in the results: relative to `base` when inside it, else absolute. */
export function displayName(path: string, base: string): string {
  const rel = relative(base, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

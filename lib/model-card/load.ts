import { readFile } from 'node:fs/promises';
import { ModelCardError } from './model-card-error.js';
import { parseClassifierCard, parseDetectorCard } from './parse.js';
import type { ClassifierCard, DetectorCard } from './types.js';

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelCardError(path, `cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelCardError(path, `is not valid JSON: ${(error as Error).message}`);
  }
}

export async function loadDetectorCard(path: string): Promise<DetectorCard> {
  return parseDetectorCard(await readJson(path), path);
}

export async function loadClassifierCard(path: string): Promise<ClassifierCard> {
  return parseClassifierCard(await readJson(path), path);
}

import { ModelCardError } from './model-card-error.js';

/**
 * Typed, path-aware access to parsed JSON. Every failure names the source file and the
 * dotted path of the offending field.
 */
export class JsonFields {
  constructor(
    private readonly source: string,
    private readonly root: unknown,
  ) {}

  fail(path: string, problem: string): never {
    throw new ModelCardError(this.source, `${path} ${problem}`);
  }

  value(path: string): unknown {
    let node: unknown = this.root;
    for (const key of path.split('.')) {
      if (typeof node !== 'object' || node === null) this.fail(path, 'is missing');
      node = (node as Record<string, unknown>)[key];
    }
    if (node === undefined) this.fail(path, 'is missing');
    return node;
  }

  string(path: string): string {
    const value = this.value(path);
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  oneOf<const T extends string>(path: string, allowed: readonly T[]): T {
    const value = this.string(path);
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) {
      this.fail(path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return match;
  }

  number(path: string, { min = -Infinity, max = Infinity } = {}): number {
    const value = this.value(path);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(path, `must be a number in [${min}, ${max}]`);
    }
    return value;
  }

  positiveInteger(path: string): number {
    const value = this.value(path);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      this.fail(path, 'must be a positive integer');
    }
    return value;
  }

  array(path: string): unknown[] {
    const value = this.value(path);
    if (!Array.isArray(value)) this.fail(path, 'must be an array');
    return value;
  }

  strings(path: string): string[] {
    const values = this.array(path);
    if (values.length === 0 || !values.every((v) => typeof v === 'string' && v !== '')) {
      this.fail(path, 'must be a non-empty array of non-empty strings');
    }
    return values as string[];
  }

  triple(path: string, { min = -Infinity, max = Infinity } = {}): [number, number, number] {
    const values = this.array(path);
    const valid = (v: unknown): v is number =>
      typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
    const [a, b, c] = values;
    if (values.length !== 3 || !valid(a) || !valid(b) || !valid(c)) {
      this.fail(path, `must be 3 numbers in [${min}, ${max}]`);
    }
    return [a, b, c];
  }
}

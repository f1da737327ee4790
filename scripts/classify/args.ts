import { DEFAULT_PORT } from '../local-stack/cli-args.js';

/** Command-line flags of `npm run classify`. */
export interface ClassifyArgs {
  photo: string;
  output?: string;
  url: string;
  minConfidence?: string;
  json: boolean;
}

export const DEFAULT_URL = `http://localhost:${DEFAULT_PORT}`;

export const CLASSIFY_USAGE = `Usage: npm run classify -- <photo> [options]
  -o, --output FILE        save the annotated photo (JPEG)
  --url URL                the function (default $BANANA_URL or ${DEFAULT_URL})
  --min-confidence X       drop detections below X (0..1)
  --json                   print the raw JSON answer instead of a table`;

export function parseClassifyArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ClassifyArgs {
  let photo: string | undefined;
  const args: Omit<ClassifyArgs, 'photo'> = { url: env.BANANA_URL ?? DEFAULT_URL, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = (argv[i] ?? '').split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '-o' || flag === '--output') args.output = value();
    else if (flag === '--url') args.url = value().replace(/\/+$/, '');
    else if (flag === '--min-confidence') args.minConfidence = value();
    else if (flag === '--json') args.json = true;
    else if (flag.startsWith('-')) throw new Error(`unknown option ${flag}`);
    else if (photo === undefined) photo = flag;
    else throw new Error(`only one photo at a time (got ${photo} and ${flag})`);
  }
  if (photo === undefined) throw new Error('which photo? give its path');
  return { photo, ...args };
}

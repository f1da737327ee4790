/**
 * `npm run classify -- photo.jpg [-o annotated.jpg] [--url http://localhost:8080]`:
 * sends one photo to a running function and prints the detections as a table.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CLASSIFY_USAGE, parseClassifyArgs, type ClassifyArgs } from './args.js';
import { formatAnswer, type ClassifyAnswer } from './format-result.js';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

function readArgs(): ClassifyArgs {
  try {
    return parseClassifyArgs(process.argv.slice(2), process.env);
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${CLASSIFY_USAGE}`, 2);
  }
}

async function post(args: ClassifyArgs, photo: Buffer): Promise<Response> {
  const query = new URLSearchParams({ format: args.output ? 'jpeg' : 'none' });
  if (args.minConfidence !== undefined) query.set('min_confidence', args.minConfidence);
  try {
    return await fetch(`${args.url}/?${query.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: photo,
    });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return fail(
      `No banana-ripeness function answered at ${args.url} (${reason}).\n` +
        'Start the local stack with `npm start` in another terminal, or pass --url.',
    );
  }
}

async function main(): Promise<void> {
  const args = readArgs();
  const photo = await readFile(args.photo).catch((error: unknown) =>
    fail(`Cannot read ${args.photo}: ${(error as Error).message}`),
  );
  const response = await post(args, photo);
  const body = (await response.json().catch(() => undefined)) as
    (ClassifyAnswer & { img?: string; error?: { code: string; message: string } }) | undefined;
  if (!response.ok || body === undefined) {
    fail(
      `The function answered HTTP ${response.status}: ${body?.error?.message ?? response.statusText}`,
    );
  }
  if (args.json) {
    console.log(JSON.stringify({ ...body, img: undefined }, null, 2));
  } else {
    console.log(formatAnswer(body));
  }
  if (args.output && body.img) {
    await writeFile(args.output, Buffer.from(body.img, 'base64'));
    console.log(`\nannotated photo saved to ${args.output}`);
  }
}

await main();

// The shell examples of the function's HTTP API in README.md and docs/function.md, run as
// written (bash, curl, base64) against a real local stack, on a photo of several hundred KB:
// a photo passed as a command-line argument fails above about 96 KB, so every form must work
// with one that size.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';
import { repoPath } from '../support/paths.js';
import { useLocalStack } from './stack-fixture.js';

const stack = useLocalStack();
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readme-http-'));
  const photo = await syntheticBananaPhoto({ width: 1600, height: 1200, bananas: 3 });
  // Grain on every pixel (as a phone photo has) keeps the JPEG at several hundred KB.
  const { data, info } = await sharp(photo).raw().toBuffer({ resolveWithObject: true });
  let seed = 1;
  for (let i = 0; i < data.length; i += 1) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    data[i] = Math.min(255, Math.max(0, (data[i] ?? 0) + (seed % 41) - 20));
  }
  const grainy = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
  await writeFile(join(dir, 'bananas.jpg'), await grainy.jpeg({ quality: 90 }).toBuffer());
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The commands of the first sh block after `heading`: comment lines dropped, continuations joined. */
async function shellExamples(file: string, heading: string): Promise<string[]> {
  const text = await readFile(repoPath(file), 'utf8');
  const from = text.indexOf(heading);
  assert.ok(from >= 0, `${file} has "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(from))?.[1] ?? '';
  const commands: string[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (line.trim().startsWith('#') || line.trim() === '') continue;
    current += `${line}\n`;
    if (!/[|\\]\s*$/.test(line)) {
      commands.push(current);
      current = '';
    }
  }
  return commands;
}

function bash(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-o', 'pipefail', '-c', command],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

for (const [file, heading] of [
  ['README.md', '## HTTP API (the function)'],
  ['docs/function.md', 'POST /'],
] as const) {
  describe(`the HTTP examples of ${file}`, () => {
    it('run as written with a photo well above 96 KB, in all three forms', async () => {
      assert.ok((await stat(join(dir, 'bananas.jpg'))).size > 300_000, 'the photo is large');
      const commands = await shellExamples(file, heading);
      assert.equal(commands.length, 3, commands.join('---\n'));
      const forms = [];
      for (const command of commands) {
        const run = await bash(command.replaceAll('http://localhost:8080', stack().functionUrl));
        assert.equal(run.code, 0, `${command}\n${run.stderr}`);
        const answer = JSON.parse(run.stdout) as { detections?: unknown[]; img?: string };
        assert.ok(Array.isArray(answer.detections), `${command}\n${run.stdout.slice(0, 300)}`);
        forms.push(
          command.includes('application/json')
            ? 'json'
            : command.includes('-F ')
              ? 'multipart'
              : 'raw',
        );
      }
      assert.deepEqual(forms.sort(), ['json', 'multipart', 'raw']);
    });
  });
}

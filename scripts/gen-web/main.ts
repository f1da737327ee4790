/**
 * Bundles the page's device mode (web/src/device.ts and the lib/ and function/ modules it
 * imports) into web/gen/device.js, one ES module the browser loads as it is. Committed, like
 * the generated gRPC code, so that serving the page needs no build step; `--check` fails when
 * it is stale (CI: `npm run check:web`). esbuild's browser platform refuses any import of a
 * Node built-in, so a module the bundle reaches stays usable in the browser.
 *   npm run gen:web
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { ROOT, writeOrCheck } from '../lib/generated-file.js';

const SOURCE = 'web/src/device.ts';
const OUTPUT = 'web/gen/device.js';

const HEADER = `// Generated from ${SOURCE} by \`npm run gen:web\` (esbuild): edit that file, not this one.`;

await writeOrCheck(
  SOURCE,
  OUTPUT,
  async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(SOURCE, ROOT))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      legalComments: 'none',
      charset: 'utf8',
      banner: { js: HEADER },
      logLevel: 'silent',
    });
    const [file] = result.outputFiles;
    if (file === undefined) throw new Error('esbuild wrote nothing');
    return file.text;
  },
  'npm run gen:web',
);

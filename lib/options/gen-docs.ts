/** npm run gen:docs: writes the options table of docs/function.md from lib/options, formatted by prettier. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { withOptionsTable } from './docs-table.js';

const path = fileURLToPath(new URL('../../docs/function.md', import.meta.url));
const text = withOptionsTable(readFileSync(path, 'utf8'));
const options = (await resolveConfig(path)) ?? {};
writeFileSync(path, await format(text, { ...options, filepath: path }));
console.log(`wrote the options table of ${path}`);

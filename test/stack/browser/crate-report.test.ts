// The crate report of a graded folder, opened in headless Chromium from the file alone (every
// network request refused): its numbers are the results file's.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { readResults } from '../../../scripts/classify/results-file.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';
import { runCli } from '../../support/run-cli.js';
import { useLocalStack } from '../stack-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const stack = useLocalStack();

describe('crate report', () => {
  let browser: Browser;
  let dir: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    dir = await mkdtemp(join(tmpdir(), 'crate-report-'));
    await mkdir(join(dir, 'crate', 'left'), { recursive: true });
    for (let seed = 1; seed <= 6; seed++) {
      const photo = await syntheticBananaPhoto({
        width: 640,
        height: 480,
        bananas: seed % 4,
        seed,
      });
      await writeFile(join(dir, 'crate', seed % 2 ? 'left' : '.', `p${seed}.jpg`), photo);
    }
    await writeFile(join(dir, 'crate', 'broken.jpg'), Buffer.from('not a photo'));
  });
  after(async () => {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the results file: bananas per stage, the histogram, every photo ripest first, the failures', async () => {
    const csv = join(dir, 'results.csv');
    const report = join(dir, 'report.html');
    const result = await runCli(
      'scripts/classify/main.ts',
      [
        'crate',
        '--out',
        csv,
        '--report',
        report,
        '--min-confidence',
        '0.1',
        '--url',
        stack().functionUrl,
      ],
      { initCwd: dir, timeoutMs: 120_000 },
    );
    assert.equal(result.code, 1, 'one photo failed'); // broken.jpg
    assert.match(result.stdout, /Report: .*report\.html \(6 photos, [\d.]+ MB\) in [\d.]+ s/);
    const { rows } = readResults(await readFile(csv), 'csv');
    const bananas = rows.filter((r) => r.banana !== null);
    const failures = rows.filter((r) => r.error !== null).map((r) => r.file);
    assert.ok(bananas.length > 0, 'the report has bananas to show');

    const page = await browser.newPage();
    const requested: string[] = [];
    await page.route('**/*', async (route) => {
      if (route.request().url().startsWith('file:')) await route.continue();
      else {
        requested.push(route.request().url());
        await route.abort();
      }
    });
    await page.goto(`file://${report}`);
    assert.equal(await page.locator('#photo-count').textContent(), '6');
    assert.equal(await page.locator('#banana-count').textContent(), String(bananas.length));
    assert.equal(await page.locator('#failure-count').textContent(), '1');
    for (const row of await page.locator('#stages tbody tr').all()) {
      const stage = await row.getAttribute('data-stage');
      const expected = bananas.filter((b) => b.stage === stage).length;
      assert.equal(await row.locator('.count').textContent(), String(expected), `${stage}`);
    }
    const attribute = async (selector: string, name: string) =>
      Promise.all((await page.locator(selector).all()).map((el) => el.getAttribute(name)));
    const bins = (await attribute('#histogram .bin', 'data-count')).map(Number);
    assert.equal(
      bins.reduce((a, b) => a + b, 0),
      bananas.length,
    );

    const figures = await Promise.all(
      (await page.locator('figure.photo').all()).map(async (f) => ({
        file: (await f.getAttribute('data-file')) ?? '',
        bananas: Number(await f.getAttribute('data-bananas')),
        worst: Number(await f.getAttribute('data-worst')),
        drawn: await f.locator('img').evaluate(async (element: unknown) => {
          const img = element as { decode(): Promise<void>; naturalWidth: number };
          await img.decode();
          return img.naturalWidth;
        }),
      })),
    );
    const graded = new Set(rows.filter((r) => r.error === null).map((r) => r.file));
    assert.deepEqual(new Set(figures.map((f) => f.file)), graded);
    for (const figure of figures) {
      const own = bananas.filter((b) => b.file === figure.file);
      assert.equal(figure.bananas, own.length, figure.file);
      assert.equal(
        figure.worst,
        own.length ? Math.max(...own.map((b) => b.ripeness_index ?? 0)) : -1,
      );
      assert.ok(figure.drawn > 0 && figure.drawn <= 360, `${figure.file}: thumbnail shown`);
    }
    const order = figures.map((f) => f.worst);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => b - a),
      'ripest first',
    );
    assert.deepEqual(await attribute('#failures li', 'data-file'), failures);
    assert.deepEqual(requested, [], 'the report needs no network');
    await page.close();
  });
});

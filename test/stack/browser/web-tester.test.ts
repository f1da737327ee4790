// The web tester in a real headless Chromium (Debian's chromium + playwright-core): upload a
// generated photo, see the annotated result and the table, on desktop and phone widths.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useLocalStack } from '../stack-fixture.js';
import { startGatewayProxy } from './gateway-proxy.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = 'test-results';
const stack = useLocalStack();
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(RESULTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser.close();
});

async function openTester(viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${stack().functionUrl}/`);
  return page;
}

async function upload(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await page.setInputFiles('#photo', { name, mimeType, buffer });
}

/** Slider at 0: even an untrained detector then reports candidates, so the table has rows. */
async function acceptAllCandidates(page: Page): Promise<void> {
  await page.locator('#min-confidence').fill('0');
  await page.getByLabel('Most bananas to report').fill('5');
}

describe('web tester', () => {
  it('uploads a photo and shows the annotated result, the table, the summary and the timings', async () => {
    const page = await openTester({ width: 1280, height: 1000 });
    assert.equal(await page.title(), 'Banana ripeness tester');
    await acceptAllCandidates(page);
    await upload(page, 'bananas.jpg', 'image/jpeg', await syntheticBananaPhoto({ bananas: 4 }));

    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    const natural = await page.evaluate<[number, number]>(
      `(async () => {
        const img = document.querySelector('#annotated');
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      })()`,
    );
    assert.deepEqual(natural, [1280, 960]);
    assert.match((await page.locator('#annotated').getAttribute('alt')) ?? '', /bananas? outlined/);

    const rows = await page.locator('#detections tbody tr').count();
    assert.ok(rows >= 1 && rows <= 5, `${rows} detection rows`);
    assert.equal(await page.locator('#summary li').count(), 6);
    assert.ok(await page.locator('#timings dt', { hasText: 'total' }).isVisible());
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      /^Done: \d+ bananas? found in \d+ ms\.$/,
    );
    assert.equal(await page.locator('#error').isHidden(), true);

    await page.screenshot({ path: `${RESULTS}/web-tester.png`, fullPage: true });
    await page.close();
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const page = await openTester({ width: 375, height: 812 });
    await acceptAllCandidates(page);
    await upload(
      page,
      'bananas.png',
      'image/png',
      await syntheticBananaPhoto({ width: 800, height: 600, format: 'png' }),
    );
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: `${RESULTS}/web-tester-phone.png`, fullPage: true });
    await page.close();
  });

  it('shows a clear message for a file the server refuses', async () => {
    const page = await openTester({ width: 1024, height: 800 });
    const whole = await syntheticBananaPhoto({ width: 320, height: 240 });
    await upload(page, 'broken.jpg', 'image/jpeg', whole.subarray(0, whole.length / 2));
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await error.textContent()) ?? '', /could not be decoded.*\(HTTP 422\)/);
    assert.equal(await error.getAttribute('role'), 'alert');
    await page.close();
  });

  it('works under the OpenFaaS gateway path, with or without the trailing slash', async () => {
    const gateway = await startGatewayProxy(stack().functionUrl, 'banana-ripeness');
    try {
      const page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
      await page.goto(gateway.functionUrl); // no trailing slash
      assert.equal(new URL(page.url()).pathname, '/function/banana-ripeness/');
      await acceptAllCandidates(page);
      await upload(
        page,
        'b.jpg',
        'image/jpeg',
        await syntheticBananaPhoto({ width: 640, height: 480 }),
      );
      await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
      const styled = await page.evaluate<string>(
        "getComputedStyle(document.querySelector('#drop-zone')).borderStyle",
      );
      assert.equal(styled, 'dashed', 'style.css did not load under the prefix');
      await page.close();
    } finally {
      await gateway.close();
    }
  });

  it("leaves the detection threshold to the model's card until the slider is moved", async () => {
    const page = await openTester({ width: 1024, height: 800 });
    const queries: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') queries.push(new URL(request.url()).search);
    });
    const photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
    assert.equal(await page.locator('#min-confidence-value').textContent(), 'model default');
    await upload(page, 'a.jpg', 'image/jpeg', photo);
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('#min-confidence').fill('0.6');
    assert.equal(await page.locator('#min-confidence-value').textContent(), '0.60');
    const answered = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.locator('#submit').click();
    await answered;
    assert.deepEqual(queries, ['', '?min_confidence=0.6']);
    await page.close();
  });

  it('refuses a non-image before sending it', async () => {
    const page = await openTester({ width: 1024, height: 800 });
    let posts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST') posts++;
    });
    await upload(page, 'notes.txt', 'text/plain', Buffer.from('not a photo'));
    assert.match(
      (await page.locator('#error').textContent()) ?? '',
      /not a JPEG, PNG or WebP image/,
    );
    assert.equal(posts, 0, 'nothing was sent');
    await page.close();
  });
});

// The web tester in a real headless Chromium (Debian's chromium + playwright-core): upload a
// generated photo, see the annotated result and the table, on desktop and phone widths; and
// the live camera mode on Chromium's fake camera, fed a video made from synthetic photos.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { repoPath } from '../../support/paths.js';
import { loadDetectorCard } from '../../../lib/model-card/index.js';
import { useLocalStack } from '../stack-fixture.js';
import { launchWithFakeCamera, writeFakeCameraVideo } from './fake-camera.js';
import { startGatewayProxy } from './gateway-proxy.js';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';

const RESULTS = 'test-results';
const stack = useLocalStack();
let browser: Browser;
const scratch = mkdtempSync(join(tmpdir(), 'web-tester-'));
const cameraVideo = join(scratch, 'bananas.y4m');

before(async () => {
  mkdirSync(RESULTS, { recursive: true });
  await writeFakeCameraVideo(cameraVideo);
  browser = await launchWithFakeCamera(cameraVideo);
});
after(async () => {
  await browser.close();
  rmSync(scratch, { recursive: true, force: true });
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

/** The bounding boxes of two elements in CSS pixels. */
async function boundingBoxes(page: Page, a: string, b: string) {
  const boxA = await page.locator(a).boundingBox();
  const boxB = await page.locator(b).boundingBox();
  assert.ok(boxA && boxB, `${a} or ${b} is not displayed`);
  return [boxA, boxB] as const;
}

/** The annotated photo's own size in pixels, once it has decoded. */
function annotatedSize(page: Page): Promise<[number, number]> {
  return page.evaluate<[number, number]>(
    `(async () => {
      const img = document.querySelector('#annotated');
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    })()`,
  );
}

async function downloaded(page: Page, link: string): Promise<{ name: string; body: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
  const path = await download.path();
  return { name: download.suggestedFilename(), body: readFileSync(path) };
}

interface Detection {
  box: { x_min: number; y_min: number; x_max: number; y_max: number };
}

describe('web tester', () => {
  it('uploads a photo and shows the annotated result, the table, the summary and the timings', async () => {
    const page = await openTester({ width: 1280, height: 1000 });
    assert.equal(await page.title(), 'Banana ripeness tester');
    await acceptAllCandidates(page);
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await upload(page, 'bananas.jpg', 'image/jpeg', await syntheticBananaPhoto({ bananas: 4 }));
    const answer = (await (await answered).json()) as { detections: { confidence: number }[] };

    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    const natural = await annotatedSize(page);
    assert.deepEqual(natural, [1280, 960]);
    assert.match(
      (await page.locator('#annotated').getAttribute('alt')) ?? '',
      /bananas? outlined and numbered/,
    );

    const rows = await page.locator('#detections tbody tr').count();
    assert.ok(rows >= 1 && rows <= 5, `${rows} detection rows`);
    assert.equal(await page.locator('#detections tbody tr td').first().textContent(), '#1');
    assert.equal(await page.locator('#summary li').count(), 6);
    assert.ok(await page.locator('#timings dt', { hasText: 'total' }).isVisible());
    // How sure the detector was, from the answer's detection confidences (not the stages').
    const sure = answer.detections.map(({ confidence }) => Math.round(confidence * 100));
    const [low, high] = [Math.min(...sure), Math.max(...sure)];
    const count = `${sure.length} ${sure.length === 1 ? 'banana' : 'bananas'}`;
    const range = low === high ? `${low}%` : `${low}-${high}%`;
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      new RegExp(`^Done: ${count} found \\(detector ${range} sure\\) in \\d+ ms\\.$`),
    );
    // The threshold applied and its source: the slider's 0 (moved above), sent with the request;
    // the slider's tooltip names the default's source, the model card.
    const card = await loadDetectorCard(repoPath('models/detector.json'));
    assert.match(
      (await page.locator('#models').textContent()) ?? '',
      new RegExp(
        `^Models: ${card.name} ${card.version} \\(boxes from confidence 0, set by request\\), `,
      ),
    );
    assert.equal(
      await page.locator('#min-confidence-value').getAttribute('title'),
      'default set by model card',
    );
    assert.equal(await page.locator('#error').isHidden(), true);
    await page.screenshot({ path: `${RESULTS}/web-tester.png`, fullPage: true });
    await page.close();
  });

  it('shows a small photo enlarged, its labels drawn at the enlarged size', async () => {
    const page = await openTester({ width: 1280, height: 1000 });
    await acceptAllCandidates(page);
    const photo = await syntheticBananaPhoto({ width: 162, height: 104, bananas: 2 });
    await upload(page, 'small.jpg', 'image/jpeg', photo);
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('#annotated-caption', { hasText: 'enlarged' }).waitFor({ timeout: 10_000 });
    const natural = await annotatedSize(page);
    // 480 px on the short side: 162 x 104 -> 748 x 480
    assert.deepEqual(natural, [748, 480]);
    const shown = await page.locator('#annotated').boundingBox();
    assert.ok(shown && shown.width >= 700, `shown ${shown?.width} px wide`);
    assert.equal(
      await page.locator('#annotated-caption').textContent(),
      '162 x 104 px, shown 4.6x enlarged, labels drawn at this size',
    );
    // The download stays the function's JPEG, at the photo's own size.
    const jpeg = await downloaded(page, '#download-jpeg');
    assert.deepEqual(
      [(await sharp(jpeg.body).metadata()).width, (await sharp(jpeg.body).metadata()).height],
      [162, 104],
    );
    await page.screenshot({ path: `${RESULTS}/web-tester-small-photo.png`, fullPage: true });
    await page.close();
  });

  it('downloads the annotated JPEG and the JSON answer', async () => {
    const page = await openTester({ width: 1024, height: 800 });
    await acceptAllCandidates(page);
    await upload(
      page,
      'market stall.png',
      'image/png',
      await syntheticBananaPhoto({ width: 800, height: 600, format: 'png' }),
    );
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });

    const jpeg = await downloaded(page, '#download-jpeg');
    assert.equal(jpeg.name, 'market stall-annotated.jpg');
    const meta = await sharp(jpeg.body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 800, 600]);

    const json = await downloaded(page, '#download-json');
    assert.equal(json.name, 'market stall-ripeness.json');
    const answer = JSON.parse(json.body.toString()) as Record<string, unknown>;
    assert.equal('img' in answer, false, 'the photo is its own download');
    assert.deepEqual(answer.image, { width: 800, height: 600 });
    assert.equal(
      (answer.detections as unknown[]).length,
      await page.locator('#detections tbody tr').count(),
    );
    await page.close();
  });

  it("highlights a row's box over the photo when the pointer is on the row", async () => {
    const page = await openTester({ width: 1280, height: 1000 });
    await acceptAllCandidates(page);
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await upload(page, 'b.jpg', 'image/jpeg', await syntheticBananaPhoto({ bananas: 4 }));
    const answer = (await (await answered).json()) as { detections: Detection[] };
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    assert.ok(answer.detections.length >= 2, 'the slider at 0 gives several candidates');
    const highlight = page.locator('#highlight');
    assert.equal(await highlight.isHidden(), true);

    const second = page.locator('#detections tbody tr').nth(1);
    await second.hover();
    await highlight.waitFor({ state: 'visible' });
    assert.equal(await second.getAttribute('class'), 'active');
    // Displayed at 1280 px wide at most: the highlight sits where the box is in the photo.
    const [photo, box] = await boundingBoxes(page, '#annotated', '#highlight');
    const scale = photo.width / 1280;
    const expected = answer.detections[1]?.box;
    assert.ok(expected);
    const clampX = (v: number) => Math.min(1280, Math.max(0, v));
    const clampY = (v: number) => Math.min(960, Math.max(0, v));
    assert.ok(Math.abs(box.x - photo.x - clampX(expected.x_min) * scale) < 1.5);
    assert.ok(Math.abs(box.y - photo.y - clampY(expected.y_min) * scale) < 1.5);
    assert.ok(
      Math.abs(box.width - (clampX(expected.x_max) - clampX(expected.x_min)) * scale) < 1.5,
    );
    assert.equal(await highlight.getAttribute('data-number'), '2');

    await page.mouse.move(1, 1);
    await highlight.waitFor({ state: 'hidden' });
    await page.close();
  });

  it('fits a phone screen without horizontal scrolling: detections become cards, a tap highlights', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(`${stack().functionUrl}/`);
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
    const tableOverflow = await page.evaluate<number>(
      "(() => { const t = document.querySelector('.table-scroll'); return t.scrollWidth - t.clientWidth; })()",
    );
    assert.ok(tableOverflow <= 0, `the table scrolls ${tableOverflow}px sideways`);
    // Every value of the first detection is on screen, next to its column name.
    const cells = page.locator('#detections tbody tr').first().locator('td');
    assert.equal(await cells.count(), 6);
    for (let i = 0; i < 6; i++) {
      const cell = await cells.nth(i).boundingBox();
      assert.ok(cell && cell.x >= 0 && cell.x + cell.width <= 390, `cell ${i} is off screen`);
    }
    assert.equal(await cells.nth(2).getAttribute('data-label'), 'Stage confidence');
    assert.equal(await cells.nth(3).getAttribute('data-label'), 'Ripeness index');
    assert.match((await cells.nth(3).textContent()) ?? '', /^[0-5]\.\d\d$/);

    await page.locator('#detections tbody tr').first().tap();
    await page.locator('#highlight').waitFor({ state: 'visible' });
    await page.screenshot({ path: `${RESULTS}/web-tester-phone.png`, fullPage: true });
    await context.close();
  });

  it('shows a clear message for a file the server refuses, and a second try works without a reload', async () => {
    const page = await openTester({ width: 1024, height: 800 });
    await acceptAllCandidates(page);
    const whole = await syntheticBananaPhoto({ width: 320, height: 240 });
    await upload(page, 'broken.jpg', 'image/jpeg', whole.subarray(0, whole.length / 2));
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await error.textContent()) ?? '', /could not be decoded.*\(HTTP 422\)/);
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await page.locator('#submit').isEnabled(), true, 'submit stays usable');

    // The same broken file again, by the button: refused again, the button usable again.
    const refusedAgain = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.locator('#submit').click();
    assert.equal((await refusedAgain).status(), 422);
    await page.waitForFunction("!document.querySelector('#submit').disabled");

    await upload(page, 'good.jpg', 'image/jpeg', whole);
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await error.isHidden(), true);
    assert.equal(await page.locator('#submit').isEnabled(), true);
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

  it("re-runs the analysis when an option changes (debounced), leaving thresholds to the model's card until a slider is moved", async () => {
    const page = await openTester({ width: 1024, height: 800 });
    const queries: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') queries.push(new URL(request.url()).search);
    });
    const nextAnswer = () =>
      page.waitForResponse((response) => response.request().method() === 'POST', {
        timeout: 30_000,
      });
    const photo = await syntheticBananaPhoto({ width: 320, height: 240, bananas: 1 });
    // The sliders start at the served card's thresholds, and say so.
    const card = JSON.parse(readFileSync(repoPath('models/detector.json'), 'utf8')) as {
      thresholds: { confidence: number; iou: number; max_detections: number };
    };
    const { confidence, iou } = card.thresholds;
    await page
      .locator('#min-confidence-value', { hasText: `model default (${confidence})` })
      .waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#iou-value').textContent(), `model default (${iou})`);
    assert.equal(await page.locator('#min-confidence').inputValue(), String(confidence));
    assert.equal(await page.locator('#iou').inputValue(), String(iou));
    assert.equal(
      await page.getByLabel('Most bananas to report').getAttribute('placeholder'),
      `model default (${card.thresholds.max_detections})`,
    );
    assert.equal(await page.locator('#min-confidence-reset').isHidden(), true);
    let answered = nextAnswer();
    await upload(page, 'a.jpg', 'image/jpeg', photo);
    await answered;

    // Two moves in quick succession: one new analysis with both.
    answered = nextAnswer();
    await page.locator('#min-confidence').fill('0.6');
    assert.equal(await page.locator('#min-confidence-value').textContent(), '0.60');
    await page.getByLabel('Overlap (IoU) at which two boxes count as one banana').fill('0.3');
    assert.equal(await page.locator('#iou-value').textContent(), '0.30');
    await answered;

    answered = nextAnswer();
    await page.locator('#min-confidence-reset').click();
    assert.equal(
      await page.locator('#min-confidence-value').textContent(),
      `model default (${confidence})`,
    );
    assert.equal(await page.locator('#min-confidence').inputValue(), String(confidence));
    assert.equal(await page.locator('#min-confidence-reset').isHidden(), true);
    await answered;
    answered = nextAnswer();
    await page.locator('#iou-reset').click();
    await answered;
    answered = nextAnswer();
    await page.getByLabel('Most bananas to report').fill('7');
    await answered;
    await page.waitForTimeout(1000); // no further request follows
    assert.deepEqual(queries, [
      '',
      '?min_confidence=0.6&iou=0.3',
      '?iou=0.3',
      '',
      '?max_detections=7',
    ]);

    // A value the option definitions refuse is not sent; the page says why.
    await page.getByLabel('Most bananas to report').fill('1000');
    await page.locator('#error').waitFor({ state: 'visible', timeout: 5000 });
    assert.match(
      (await page.locator('#error').textContent()) ?? '',
      /must be in \[1, 300\], got 1000/,
    );
    assert.equal(queries.length, 5);
    await page.close();
  });

  it('clears the previous result when the next file is refused, by the page or by the server', async () => {
    const page = await openTester({ width: 1024, height: 800 });
    const whole = await syntheticBananaPhoto({ width: 320, height: 240 });
    await upload(page, 'good.jpg', 'image/jpeg', whole);
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    await upload(page, 'notes.txt', 'text/plain', Buffer.from('not a photo'));
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.equal(await page.locator('#result').isHidden(), true, 'the old result is gone');

    await upload(page, 'good.jpg', 'image/jpeg', whole);
    await page.locator('#result').waitFor({ state: 'visible', timeout: 60_000 });
    await upload(page, 'broken.jpg', 'image/jpeg', whole.subarray(0, whole.length / 2));
    await page.locator('#error').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('#result').isHidden(), true, 'the old result is gone');
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

describe('camera mode', () => {
  /** Frames analysed so far, from the statistics line. */
  const framesAnalysed = (page: Page) =>
    page.evaluate<number>("Number(document.querySelector('#camera-stats').dataset.frames ?? 0)");

  it('analyses frames one at a time behind the gateway path and draws numbered boxes over the video', async () => {
    const gateway = await startGatewayProxy(stack().functionUrl, 'banana-ripeness');
    const context = await browser.newContext({
      viewport: { width: 1024, height: 900 },
      permissions: ['camera'],
    });
    try {
      const page = await context.newPage();
      // Counts the page's overlapping fetch calls (until each answer has been read).
      await page.addInitScript(`(() => {
        const fetch = window.fetch.bind(window);
        window.inFlight = { now: 0, most: 0 };
        window.fetch = async (...args) => {
          window.inFlight.now++;
          window.inFlight.most = Math.max(window.inFlight.most, window.inFlight.now);
          try {
            const response = await fetch(...args);
            await response.clone().arrayBuffer();
            return response;
          } finally {
            window.inFlight.now--;
          }
        };
      })()`);
      const mostInFlight = () => page.evaluate<number>('window.inFlight.most');
      await page.goto(`${gateway.functionUrl}/`);
      await acceptAllCandidates(page);
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() !== 'POST') return;
        const url = new URL(request.url());
        posts.push(`${url.pathname}${url.search} ${request.headers()['content-type'] ?? ''}`);
      });

      await page.getByRole('tab', { name: 'Camera' }).click();
      await page.waitForFunction(
        "Number(document.querySelector('#camera-stats').dataset.frames ?? 0) >= 4",
        undefined,
        { timeout: 90_000 },
      );
      assert.equal(await mostInFlight(), 1, 'one request in flight at a time');
      assert.ok(posts.length >= 4);
      for (const post of posts) {
        assert.equal(
          post,
          '/function/banana-ripeness/?min_confidence=0&max_detections=5&format=none image/jpeg',
        );
      }
      assert.match(
        (await page.locator('#camera-stats').textContent()) ?? '',
        /^\d+\.\d frames\/s · \d+ frames analysed · 640 x 480 px · last answer in \d+ ms$/,
      );
      assert.equal(await page.locator('#camera-counts li').count(), 6);
      const drawn = await page.evaluate<{ width: number; height: number; painted: number }>(
        `(() => {
          const canvas = document.querySelector('#camera-overlay');
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return { width: canvas.width, height: canvas.height, painted };
        })()`,
      );
      assert.equal(drawn.width, 640);
      assert.equal(drawn.height, 480);
      assert.ok(drawn.painted > 1000, `${drawn.painted} pixels of boxes and labels`);
      assert.equal(await page.locator('#camera-message').isHidden(), true);
      await page.screenshot({ path: `${RESULTS}/web-tester-camera.png`, fullPage: true });

      // Pause: no more frames are sent; resume: frames flow again.
      const toggle = page.locator('#camera-toggle');
      await toggle.click();
      assert.equal(await toggle.textContent(), 'Resume');
      // The answer in flight when pausing still lands; then nothing more.
      await page.waitForTimeout(1500);
      const paused = await framesAnalysed(page);
      const postsWhenPaused = posts.length;
      await page.waitForTimeout(1000);
      assert.equal(posts.length, postsWhenPaused, 'nothing is sent while paused');
      await toggle.click();
      assert.equal(await toggle.textContent(), 'Pause');
      await page.waitForFunction(
        `Number(document.querySelector('#camera-stats').dataset.frames) >= ${paused + 2}`,
        undefined,
        { timeout: 60_000 },
      );
      assert.equal(await mostInFlight(), 1, 'still one request in flight after resuming');

      // Back to the Photo tab: the camera is released.
      await page.getByRole('tab', { name: 'Photo' }).click();
      assert.equal(
        await page.evaluate<boolean>("document.querySelector('#camera-video').srcObject === null"),
        true,
      );
    } finally {
      await context.close();
      await gateway.close();
    }
  });

  it('says so clearly when the camera permission is denied', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    try {
      const page = await context.newPage();
      let posts = 0;
      page.on('request', (request) => {
        if (request.method() === 'POST') posts++;
      });
      await page.goto(`${stack().functionUrl}/`);
      await page.getByRole('tab', { name: 'Camera' }).click();
      const message = page.locator('#camera-message');
      await message.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await message.textContent()) ?? '', /^Camera access was denied\./);
      assert.equal(await message.getAttribute('role'), 'alert');
      assert.equal(await page.locator('#camera-toggle').textContent(), 'Start camera');
      assert.equal(posts, 0);
    } finally {
      await context.close();
    }
  });
});

// The function against real model services (child processes on free ports): every input
// form, options, and the endpoints around the pipeline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { assertWellFormed, post } from './answers.js';
import { ALL_CANDIDATES, startSecondFunction, useLocalStack } from './stack-fixture.js';
import { syntheticBananaPhoto } from '../../scripts/lib/synthetic-photo.js';

const stack = useLocalStack();
const SIZE = { width: 1280, height: 960 };
const photo = () => syntheticBananaPhoto({ ...SIZE, bananas: 4 });

describe('POST / accepts the three input forms', () => {
  it('multipart/form-data with the file in field "img" (as the original function)', async () => {
    const form = new FormData();
    form.append('img', new Blob([await photo()], { type: 'image/jpeg' }), 'bananas.jpg');
    const result = await post(`${stack().functionUrl}/?${ALL_CANDIDATES}`, { body: form });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    await assertWellFormed(result.body, SIZE);
    assert.ok(
      result.body.detections.length >= 2,
      'several candidates expected with min_confidence=0',
    );
  });

  it('a raw JPEG, PNG or WebP body', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const body = await syntheticBananaPhoto({ width: 640, height: 480, bananas: 2, format });
      const result = await post(`${stack().functionUrl}/classify`, {
        body,
        headers: { 'content-type': `image/${format}` },
      });
      assert.equal(result.status, 200, `${format}: ${JSON.stringify(result.body)}`);
      await assertWellFormed(result.body, { width: 640, height: 480 });
    }
  });

  it('JSON {"img": "<base64>"} with options as fields', async () => {
    const result = await post(stack().functionUrl, {
      body: JSON.stringify({
        img: (await photo()).toString('base64'),
        min_confidence: 0,
        max_detections: 3,
        format: 'none',
      }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.img, undefined, 'format=none returns no image');
    assert.ok(result.body.detections.length >= 1 && result.body.detections.length <= 3);
    await assertWellFormed(result.body, SIZE);
  });
});

describe('the pipeline', () => {
  it('returns the annotated photo at the input size, boxes in its pixels, for a large photo too', async () => {
    const large = await syntheticBananaPhoto({ width: 3000, height: 2000, bananas: 6, seed: 7 });
    const result = await post(`${stack().functionUrl}/?${ALL_CANDIDATES}&quality=70`, {
      body: large,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    await assertWellFormed(result.body, { width: 3000, height: 2000 });
  });

  it('applies EXIF orientation: a portrait photo stored landscape comes back portrait', async () => {
    const rotated = await sharp(await syntheticBananaPhoto({ width: 800, height: 600 }))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const result = await post(`${stack().functionUrl}/?${ALL_CANDIDATES}`, {
      body: rotated,
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(result.status, 200);
    await assertWellFormed(result.body, { width: 600, height: 800 });
  });

  it('honours max_detections and reports every stage even with no detection', async () => {
    const one = await post(
      `${stack().functionUrl}/?min_confidence=0&max_detections=1&format=none`,
      {
        body: await photo(),
        headers: { 'content-type': 'image/jpeg' },
      },
    );
    assert.equal(one.body.detections.length, 1);
    const none = await post(`${stack().functionUrl}/?min_confidence=1&format=none`, {
      body: await photo(),
      headers: { 'content-type': 'image/jpeg' },
    });
    assert.equal(none.status, 200);
    assert.equal(none.body.detections.length, 0);
    await assertWellFormed(none.body, SIZE);
  });
});

describe('more crops than one classifier batch', () => {
  it('splits them into several Classify calls and keeps the order', async () => {
    const small = await startSecondFunction(stack(), { classifyBatchSize: 2 });
    try {
      // iou=1 turns NMS off, so exactly max_detections candidates come back.
      const result = await post(`${small.url}/?min_confidence=0&iou=1&max_detections=5`, {
        body: await photo(),
        headers: { 'content-type': 'image/jpeg' },
      });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.detections.length, 5);
      await assertWellFormed(result.body, SIZE);
    } finally {
      await small.close();
    }
  });
});

describe('endpoints around the pipeline', () => {
  it('serves the web tester', async () => {
    const page = await fetch(`${stack().functionUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<title>Banana ripeness tester<\/title>/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.equal(page.headers.get('x-powered-by'), null);
    for (const [file, type] of [
      ['app.js', /javascript/],
      ['style.css', /text\/css/],
      // lib/drawing/labels.js, the module the function draws with, served to the page.
      ['modules/labels.js', /javascript/],
    ] as const) {
      const asset = await fetch(`${stack().functionUrl}/${file}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', type);
      assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('reports liveness and readiness', async () => {
    assert.equal((await fetch(`${stack().functionUrl}/_/health`)).status, 200);
    const ready = await fetch(`${stack().functionUrl}/_/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      status: 'ready',
      services: { detector: 'SERVING', classifier: 'SERVING' },
    });
  });

  it('exports the contract metrics', async () => {
    const text = await (await fetch(`${stack().functionUrl}/metrics`)).text();
    for (const name of [
      'banana_function_requests_total{code="200"}',
      'banana_function_request_duration_seconds_bucket',
      'banana_function_stage_duration_seconds_count{stage="detect"}',
      'banana_function_bananas_per_request_count',
      'process_cpu_seconds_total',
    ]) {
      assert.ok(text.includes(name), `missing ${name}`);
    }
  });

  it('answers 404 for unknown paths and 405 for GET-only misuse', async () => {
    const missing = await fetch(`${stack().functionUrl}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { code: 'not_found', message: 'no route for GET /nope' },
    });
    const misused = await fetch(`${stack().functionUrl}/classify`);
    assert.equal(misused.status, 405);
    assert.deepEqual(await misused.json(), {
      error: { code: 'method_not_allowed', message: 'use POST /classify with a photo' },
    });
    assert.equal(misused.headers.get('x-powered-by'), null);
    for (const path of ['/CLASSIFY', '/classify/'])
      assert.equal((await fetch(`${stack().functionUrl}${path}`, { method: 'POST' })).status, 404);
  });
});

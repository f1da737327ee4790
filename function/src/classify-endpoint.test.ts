// POST / of the function against fake model services (test/support/fake-model-services.ts):
// the request body limit at its exact size, the multipart field of the photo, load shedding's
// Retry-After, each call's own deadline, and the metrics that requests must move.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import {
  defaultHandlers,
  detections,
  grpcError,
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
} from '../../test/support/fake-model-services.js';
import type { FunctionConfig } from './config.js';
import type { FunctionServer } from './server.js';

let services: FakeModelServices;
let photo: Buffer;

before(async () => {
  services = await startFakeModelServices();
  photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c8b400' } })
    .jpeg()
    .toBuffer();
});
after(() => {
  services.close();
});
beforeEach(() => {
  Object.assign(services.handlers, defaultHandlers());
});

/** Starts a function on the fake services; `stop` closes it (call it in a finally or after). */
function startFunction(overrides: Partial<FunctionConfig> = {}): Promise<FunctionServer> {
  return startFunctionOn(services, overrides);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a body with a Content-Length, or chunked (no Content-Length, two chunks) so that only
 * the bytes received can tell its size.
 */
function send(
  url: string,
  body: Buffer,
  contentType: string,
  { chunked = false, path = '/?format=none' } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (!chunked) headers['content-length'] = String(body.length);
    const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on('error', reject);
    });
    // A refused upload may be cut off while it is still being written: the answer counts.
    req.on('error', reject);
    if (chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      setTimeout(() => req.end(body.subarray(half)), 10);
    } else req.end(body);
  });
}

async function metricsOf(fn: FunctionServer): Promise<string> {
  return (await fetch(`${fn.url}/metrics`)).text();
}

/** The JPEG with a comment segment after its SOI marker, padded to exactly `size` bytes. */
function jpegOfSize(jpeg: Buffer, size: number): Buffer {
  const commentBytes = size - jpeg.length - 4;
  assert.ok(commentBytes >= 0 && commentBytes <= 65_533, `cannot pad to ${size} bytes`);
  const segment = Buffer.alloc(4 + commentBytes, 0x20);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(commentBytes + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** `{"img": "<base64>"}` with trailing whitespace up to exactly `size` bytes. */
function jsonOfSize(jpeg: Buffer, size: number): Buffer {
  const text = JSON.stringify({ img: jpeg.toString('base64') });
  assert.ok(text.length <= size, `cannot pad to ${size} bytes`);
  return Buffer.from(text.padEnd(size, ' '));
}

const BOUNDARY = 'photo-boundary';

/** A multipart body with the photo in `field`, its preamble padded to exactly `size` bytes. */
function multipartOfSize(jpeg: Buffer, size: number | undefined, field = 'img'): Buffer {
  const head = Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${field}"; filename="a.jpg"\r\n` +
      `content-type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const unpadded = head.length + jpeg.length + tail.length;
  const preambleBytes = size === undefined ? 0 : size - unpadded;
  assert.ok(preambleBytes === 0 || preambleBytes >= 2, `cannot pad to ${String(size)} bytes`);
  // A preamble before the first boundary is ignored by multipart parsers (RFC 2046).
  const preamble = preambleBytes === 0 ? '' : `${'p'.repeat(preambleBytes - 2)}\r\n`;
  return Buffer.concat([Buffer.from(preamble), head, jpeg, tail]);
}

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

describe('the body limit (MAX_BODY_BYTES) of POST /', () => {
  const LIMIT = 4096;
  let fn: FunctionServer;
  before(async () => {
    fn = await startFunction({ maxBodyBytes: LIMIT });
  });
  after(async () => {
    await fn.close();
  });

  const bodies = [
    ['a raw image', 'image/jpeg', jpegOfSize],
    ['JSON', 'application/json', jsonOfSize],
    ['multipart', MULTIPART, multipartOfSize],
  ] as const;
  for (const [what, contentType, ofSize] of bodies) {
    for (const chunked of [false, true]) {
      const how = chunked ? 'sent chunked' : 'with a Content-Length';
      it(`accepts ${what} body of exactly the limit, ${how}`, async () => {
        const body = ofSize(photo, LIMIT);
        assert.equal(body.length, LIMIT);
        const answer = await send(fn.url, body, contentType, { chunked });
        assert.equal(answer.status, 200, answer.body);
      });

      it(`refuses ${what} body one byte over the limit with 413, ${how}`, async () => {
        const answer = await send(fn.url, ofSize(photo, LIMIT + 1), contentType, { chunked });
        assert.equal(answer.status, 413, answer.body);
        assert.match(answer.body, /"code":"payload_too_large"/);
      });
    }
  }
});

describe('multipart requests to POST /', () => {
  let fn: FunctionServer;
  before(async () => {
    fn = await startFunction();
  });
  after(async () => {
    await fn.close();
  });

  it('take the photo from the field "img"', async () => {
    const answer = await send(fn.url, multipartOfSize(photo, undefined), MULTIPART);
    assert.equal(answer.status, 200, answer.body);
  });

  for (const field of ['image', 'file', 'photo']) {
    it(`refuse a photo in the field "${field}" with 400, naming the field to use`, async () => {
      const answer = await send(fn.url, multipartOfSize(photo, undefined, field), MULTIPART);
      assert.equal(answer.status, 400, answer.body);
      assert.match(
        answer.body,
        new RegExp(`unexpected file field \\\\"${field}\\\\".*\\\\"img\\\\"`),
      );
    });
  }
});

describe('load shedding of POST /', () => {
  let fn: FunctionServer | undefined;
  afterEach(async () => {
    await fn?.close();
    fn = undefined;
  });

  /** Holds Detect calls until `letGo`; resolves `arrived` at the first one. */
  function holdDetect() {
    const waiting: Array<() => void> = [];
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    services.handlers.detect = (_call, callback) => {
      waiting.push(() => {
        callback(null, detections([]));
      });
      arrived();
    };
    return {
      first,
      /** Answers the held calls, and every later one at once. */
      letGo: () => {
        services.handlers.detect = defaultHandlers().detect;
        for (const answer of waiting.splice(0)) answer();
      },
    };
  }

  it('answers 429 with Retry-After when the photo waited MAX_QUEUE_WAIT_MS', async () => {
    // 64x48 = 3072 pixels, over the whole budget: one photo at a time.
    fn = await startFunction({ maxInflightPixels: 1000, maxWaiting: 4, maxQueueWaitMs: 200 });
    const held = holdDetect();
    const first = send(fn.url, photo, 'image/jpeg');
    await held.first;
    const second = await send(fn.url, photo, 'image/jpeg');
    assert.equal(second.status, 429, second.body);
    assert.match(second.body, /"code":"overloaded"/);
    assert.equal(second.headers['retry-after'], '1');
    held.letGo();
    assert.equal((await first).status, 200);
    assert.match(await metricsOf(fn), /banana_function_shed_total\{reason="wait_timeout"\} 1\n/);
  });

  it('answers 429 with Retry-After at once when MAX_WAITING photos already wait', async () => {
    fn = await startFunction({ maxInflightPixels: 1000, maxWaiting: 1, maxQueueWaitMs: 60_000 });
    const held = holdDetect();
    const first = send(fn.url, photo, 'image/jpeg');
    await held.first;
    // One of these two waits for the budget; the other finds it waiting and is refused.
    const others = [send(fn.url, photo, 'image/jpeg'), send(fn.url, photo, 'image/jpeg')];
    const refused = await Promise.race(others);
    assert.equal(refused.status, 429, refused.body);
    assert.match(refused.body, /"code":"overloaded"/);
    assert.equal(refused.headers['retry-after'], '60');
    assert.match(await metricsOf(fn), /banana_function_shed_total\{reason="queue_full"\} 1\n/);
    held.letGo();
    assert.equal((await first).status, 200);
    const statuses = (await Promise.all(others)).map((answer) => answer.status);
    assert.deepEqual(statuses.sort(), [200, 429]);
  });

  it('with MAX_WAITING 0 answers a photo that fits, and refuses one that would wait', async () => {
    fn = await startFunction({ maxInflightPixels: 10_000, maxWaiting: 0, maxQueueWaitMs: 2000 });
    const alone = await send(fn.url, photo, 'image/jpeg');
    assert.equal(alone.status, 200, alone.body);
    const held = holdDetect();
    const big = await sharp({ create: { width: 100, height: 80, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const first = send(fn.url, big, 'image/jpeg');
    await held.first;
    const second = await send(fn.url, photo, 'image/jpeg');
    assert.equal(second.status, 429, second.body);
    assert.equal(second.headers['retry-after'], '2');
    held.letGo();
    assert.equal((await first).status, 200);
  });
});

describe('deadlines of the model calls', () => {
  let fn: FunctionServer | undefined;
  afterEach(async () => {
    await fn?.close();
    fn = undefined;
  });
  const stall = () => undefined;
  // The other deadline is 60 s: an answer after this long came from the wrong one.
  const STALL_TEST_TIMEOUT_MS = 15_000;

  it(
    'Detect has DETECT_DEADLINE_MS, not CLASSIFY_DEADLINE_MS',
    { timeout: STALL_TEST_TIMEOUT_MS },
    async () => {
      fn = await startFunction({ detectDeadlineMs: 300, classifyDeadlineMs: 60_000 });
      services.handlers.detect = stall;
      const answer = await send(fn.url, photo, 'image/jpeg');
      assert.equal(answer.status, 504, answer.body);
      assert.match(answer.body, /the detector service did not answer within 300 ms/);
    },
  );

  it(
    'Classify has CLASSIFY_DEADLINE_MS, not DETECT_DEADLINE_MS',
    { timeout: STALL_TEST_TIMEOUT_MS },
    async () => {
      fn = await startFunction({ detectDeadlineMs: 60_000, classifyDeadlineMs: 300 });
      services.handlers.detect = (_call, callback) => {
        callback(null, detections([{ xMin: 5, yMin: 5, xMax: 40, yMax: 30 }]));
      };
      services.handlers.classify = stall;
      const answer = await send(fn.url, photo, 'image/jpeg');
      assert.equal(answer.status, 504, answer.body);
      assert.match(answer.body, /the classifier service did not answer within 300 ms/);
    },
  );
});

describe('metrics moved by requests', () => {
  let fn: FunctionServer;
  before(async () => {
    fn = await startFunction();
  });
  after(async () => {
    await fn.close();
  });

  it('observes the bananas of each answered request in banana_function_bananas_per_request', async () => {
    services.handlers.detect = (_call, callback) => {
      callback(
        null,
        detections([
          { xMin: 1, yMin: 1, xMax: 20, yMax: 20 },
          { xMin: 30, yMin: 10, xMax: 60, yMax: 40 },
        ]),
      );
    };
    assert.equal((await send(fn.url, photo, 'image/jpeg')).status, 200);
    services.handlers.detect = (_call, callback) => {
      callback(null, detections([]));
    };
    assert.equal((await send(fn.url, photo, 'image/jpeg')).status, 200);
    const text = await metricsOf(fn);
    assert.match(text, /^banana_function_bananas_per_request_count 2$/m);
    assert.match(text, /^banana_function_bananas_per_request_sum 2$/m);
    assert.match(text, /^banana_function_bananas_per_request_bucket\{le="0"\} 1$/m);
    assert.match(text, /^banana_function_bananas_per_request_bucket\{le="1"\} 1$/m);
    assert.match(text, /^banana_function_bananas_per_request_bucket\{le="2"\} 2$/m);
  });

  it('counts failed model calls in banana_function_upstream_errors_total by service and code', async () => {
    services.handlers.detect = (_call, callback) => {
      callback(grpcError(status.RESOURCE_EXHAUSTED, 'queue full'));
    };
    const refused = await send(fn.url, photo, 'image/jpeg');
    assert.equal(refused.status, 503, refused.body);
    services.handlers.detect = (_call, callback) => {
      callback(null, detections([{ xMin: 5, yMin: 5, xMax: 40, yMax: 30 }]));
    };
    services.handlers.classify = (_call, callback) => {
      callback(grpcError(status.INTERNAL, 'model failed'));
    };
    const failed = await send(fn.url, photo, 'image/jpeg');
    assert.equal(failed.status, 502, failed.body);
    const text = await metricsOf(fn);
    assert.match(
      text,
      /^banana_function_upstream_errors_total\{service="detector",code="RESOURCE_EXHAUSTED"\} 1$/m,
    );
    assert.match(
      text,
      /^banana_function_upstream_errors_total\{service="classifier",code="INTERNAL"\} 1$/m,
    );
  });
});

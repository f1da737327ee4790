// The function (express app, pipeline, drawing) against gRPC servers started in the test
// that answer as the model services would, with answers fixed by the test: what the function
// sends them, whether it cancels its calls, and where and in which colour it draws the boxes.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import sharp from 'sharp';
import {
  ClassifierService,
  type ClassifyRequest,
  type ClassifyResponse,
} from '../../lib/gen/banana/v1/classifier.js';
import type { Box } from '../../lib/gen/banana/v1/common.js';
import {
  DetectorService,
  type DetectRequest,
  type DetectResponse,
} from '../../lib/gen/banana/v1/detector.js';
import { bananaScene } from '../../test/support/images.js';
import type { ClassifyResponseBody } from './classify.js';
import { startFunctionServer, type FunctionServer } from './server.js';

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

const MODEL = { name: 'fixture', version: '1' };
const CLASSES = ['green', 'barely_ripe', 'ripe', 'very_ripe', 'over_ripe', 'rotten'];

/** A gRPC server on a free loopback port with one service, whose handler a test can swap. */
async function startGrpcServer<Req, Res>(
  definition: typeof DetectorService | typeof ClassifierService,
  handler: { current: Handler<Req, Res> },
): Promise<{ address: string; close: () => void }> {
  const server = new Server();
  const method = Object.keys(definition)[0] as string;
  server.addService(definition, {
    [method]: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      handler.current(call, callback);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      server.forceShutdown();
    },
  };
}

/** A Detect call the fixture received, and whether the function cancelled it. */
interface HeldCall {
  request: DetectRequest;
  cancelled: Promise<void>;
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    setTimeout(() => {
      reject(new Error(`${what} within ${ms} ms`));
    }, ms).unref();
  });
}

describe('the function against model services started by the test', () => {
  const detect: { current: Handler<DetectRequest, DetectResponse> } = {
    current: (_call, callback) => {
      callback(null, { detections: [], model: MODEL });
    },
  };
  const classify: { current: Handler<ClassifyRequest, ClassifyResponse> } = {
    current: (call, callback) => {
      callback(null, {
        results: call.request.rawCrops.map(() => classification(0)),
        classes: CLASSES,
        model: MODEL,
      });
    },
  };
  let detector: Awaited<ReturnType<typeof startGrpcServer>>;
  let classifier: Awaited<ReturnType<typeof startGrpcServer>>;
  let fn: FunctionServer;

  before(async () => {
    detector = await startGrpcServer(DetectorService, detect);
    classifier = await startGrpcServer(ClassifierService, classify);
    fn = await startFunctionServer({
      host: '127.0.0.1',
      port: 0,
      serveWeb: false,
      logLevel: 'silent',
      detectorAddress: detector.address,
      classifierAddress: classifier.address,
      detectDeadlineMs: 60_000,
    });
  });
  after(async () => {
    await fn.close();
    detector.close();
    classifier.close();
  });

  /** Holds every Detect call (never answers) and records when the function cancels it. */
  function holdDetectCalls(): HeldCall[] {
    const held: HeldCall[] = [];
    detect.current = (call) => {
      held.push({
        request: call.request,
        cancelled: new Promise((resolve) => {
          if (call.cancelled) resolve();
          call.on('cancelled', () => {
            resolve();
          });
        }),
      });
    };
    return held;
  }

  async function waitForCall(held: HeldCall[], timeoutMs = 5000): Promise<HeldCall> {
    for (let i = 0; i < timeoutMs / 10 && held.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(held.length, 1, 'the detector received one call');
    return held[0] as HeldCall;
  }

  const post = async (path: string, body: Buffer) => {
    const response = await fetch(`${fn.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'image/jpeg' },
    });
    return { status: response.status, body: (await response.json()) as ClassifyResponseBody };
  };

  it('answers through the fixtures (the gRPC channels are connected)', async () => {
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    const answer = await post('/?format=none', photo);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.detections, []);
    assert.deepEqual(
      answer.body.stages.map((s) => s.name),
      CLASSES,
    );
  });

  it('cancels the Detect call when the HTTP client goes away', async () => {
    const held = holdDetectCalls();
    const photo = await sharp({
      create: { width: 640, height: 480, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    const client = request(`${fn.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'content-length': String(photo.length) },
    });
    client.on('error', () => undefined);
    client.end(photo);
    const call = await waitForCall(held);
    client.destroy();
    await Promise.race([call.cancelled, rejectAfter(5000, 'the detector saw no cancellation')]);
    const metrics = await (await fetch(`${fn.url}/metrics`)).text();
    assert.match(metrics, /banana_function_requests_total\{code="499"\} 1/);
  });

  it('cancels the Detect call when decoding the photo fails first', async () => {
    // Small enough to go to the detector as received, while it is decoded here; cut short,
    // so that its decode fails once it reaches the missing end. Whether the call reaches the
    // detector before the decode fails is a race: a call that never left needs no cancel,
    // so the request is repeated until the detector has seen one.
    const whole = await bananaScene(1600, 1200, 'jpeg');
    const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
    for (let attempt = 1; ; attempt++) {
      const held = holdDetectCalls();
      const answer = await post('/', truncated);
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      const call = await waitForCall(held, 1000).catch(() => undefined);
      if (call === undefined) {
        assert.ok(attempt < 20, 'no Detect call reached the detector before decoding failed');
        continue;
      }
      assert.equal(call.request.image.length, truncated.length, 'the photo went as received');
      await Promise.race([call.cancelled, rejectAfter(5000, 'the detector saw no cancellation')]);
      return;
    }
  });

  describe('a 4000x3000 photo with six coloured rectangles, one per stage', () => {
    const SIZE = { width: 4000, height: 3000 };
    /** The detector's frame: the photo downscaled to a longer side of 1024. */
    const VIEW = { width: 1024, height: 768 };
    const FILLS: Array<[number, number, number]> = [
      [0, 0, 255],
      [255, 0, 255],
      [0, 255, 255],
      [255, 255, 255],
      [230, 0, 0],
      [120, 0, 160],
    ];
    /** Rectangle i is classified as stage STAGE_OF[i]. */
    const STAGE_OF = [3, 0, 5, 1, 4, 2];
    const VIEW_BOXES: Box[] = FILLS.map((_, i) => ({
      xMin: 40 + 160 * i,
      yMin: 200 + 40 * i,
      xMax: 160 + 160 * i,
      yMax: 440 + 40 * i,
    }));
    const scale = SIZE.width / VIEW.width;
    const photoBoxes = VIEW_BOXES.map((b) => ({
      xMin: b.xMin * scale,
      yMin: b.yMin * scale,
      xMax: b.xMax * scale,
      yMax: b.yMax * scale,
    }));
    const detectorSaw: Array<{ width?: number; height?: number; format?: string }> = [];
    let answer: ClassifyResponseBody;
    let drawn: { data: Buffer; width: number };

    before(async () => {
      const rects = photoBoxes
        .map((b, i) => {
          const [r, g, bl] = FILLS[i] as [number, number, number];
          const x = Math.round(b.xMin);
          const y = Math.round(b.yMin);
          return `<rect x="${x}" y="${y}" width="${Math.round(b.xMax) - x}" height="${Math.round(b.yMax) - y}" fill="rgb(${r},${g},${bl})"/>`;
        })
        .join('');
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE.width}" height="${SIZE.height}"><rect width="100%" height="100%" fill="rgb(128,128,128)"/>${rects}</svg>`;
      const photo = await sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();

      detect.current = (call, callback) => {
        void sharp(call.request.image)
          .metadata()
          .then((m) => {
            detectorSaw.push({ width: m.width, height: m.height, format: m.format });
            callback(null, {
              detections: VIEW_BOXES.map((box) => ({ box, confidence: 0.9, label: 'banana' })),
              imageSize: VIEW,
              model: MODEL,
            });
          });
      };
      // Classifies a crop by its mean colour: the nearest fill decides the stage, and a crop
      // that is not one filled rectangle (cut from the wrong place) is refused.
      classify.current = (call, callback) => {
        const results = [];
        for (const crop of call.request.rawCrops) {
          const pixels = crop.width * crop.height;
          const mean = [0, 1, 2].map((c) => {
            let sum = 0;
            for (let p = 0; p < pixels; p++) sum += crop.rgb[p * 3 + c] ?? 0;
            return sum / pixels;
          });
          const distances = FILLS.map((fill) => distance(fill, mean));
          const nearest = distances.indexOf(Math.min(...distances));
          if ((distances[nearest] ?? Infinity) > 30) {
            callback({
              code: status.INVALID_ARGUMENT,
              details: `crop ${crop.width}x${crop.height} of mean ${mean.map(Math.round).join(',')} is no rectangle`,
            });
            return;
          }
          results.push(classification(STAGE_OF[nearest] as number));
        }
        callback(null, { results, classes: CLASSES, model: MODEL });
      };

      const result = await post('/', photo);
      assert.equal(result.status, 200, JSON.stringify(result.body).slice(0, 500));
      answer = result.body;
      const decoded = await sharp(Buffer.from(answer.img ?? '', 'base64'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual({ width: decoded.info.width, height: decoded.info.height }, SIZE);
      drawn = { data: decoded.data, width: decoded.info.width };
    });

    it('sends the detector a downscaled JPEG and maps its boxes back to the photo', () => {
      assert.deepEqual(detectorSaw, [{ ...VIEW, format: 'jpeg' }]);
      assert.deepEqual(answer.image, SIZE);
      assert.equal(answer.detections.length, photoBoxes.length);
      answer.detections.forEach((d, i) => {
        const expected = photoBoxes[i] as Box;
        for (const [got, want] of [
          [d.box.x_min, expected.xMin],
          [d.box.y_min, expected.yMin],
          [d.box.x_max, expected.xMax],
          [d.box.y_max, expected.yMax],
        ] as const)
          assert.ok(Math.abs(got - want) <= 0.06, `box ${i}: ${JSON.stringify(d.box)}`);
      });
    });

    it('labels each box with the stage of the crop cut from it', () => {
      assert.deepEqual(
        answer.detections.map((d) => d.stage),
        STAGE_OF.map((s) => CLASSES[s]),
      );
      assert.deepEqual(answer.summary, Object.fromEntries(CLASSES.map((name) => [name, 1])));
    });

    it("draws each box in its stage's legend colour", () => {
      const legend = answer.stages.map((s) => hexToRgb(s.colour));
      const stroke = Math.max(2, Math.round(Math.min(SIZE.width, SIZE.height) / 240));
      answer.detections.forEach((d, i) => {
        const expected = legend[CLASSES.indexOf(d.stage)] as [number, number, number];
        const midX = Math.round((d.box.x_min + d.box.x_max) / 2);
        const midY = Math.round((d.box.y_min + d.box.y_max) / 2);
        // Across the bottom edge and across the right edge, at their middles (the label is
        // at the top): the pixel nearest the expected colour within two strokes of the edge.
        const bottom = Array.from({ length: 4 * stroke + 1 }, (_, k) =>
          pixelAt(drawn, midX, Math.round(d.box.y_max) - 2 * stroke + k),
        );
        const right = Array.from({ length: 4 * stroke + 1 }, (_, k) =>
          pixelAt(drawn, Math.round(d.box.x_max) - 2 * stroke + k, midY),
        );
        for (const [side, samples] of [
          ['bottom', bottom],
          ['right', right],
        ] as const) {
          const closest = samples.reduce((best, p) =>
            distance(p, expected) < distance(best, expected) ? p : best,
          );
          const nearestLegend = legend.reduce((best, colour) =>
            distance(closest, colour) < distance(closest, best) ? colour : best,
          );
          assert.ok(
            distance(closest, expected) < 40 && nearestLegend === expected,
            `box ${i} (${d.stage}) ${side} edge: nearest pixel ${closest.join(',')}, legend ${expected.join(',')}`,
          );
        }
      });
    });
  });
});

function classification(stageIndex: number) {
  const probabilities = CLASSES.map((_, i) => (i === stageIndex ? 0.75 : 0.05));
  return { stage: CLASSES[stageIndex] as string, stageIndex, confidence: 0.75, probabilities };
}

function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((offset) => parseInt(hex.slice(offset, offset + 2), 16)) as [
    number,
    number,
    number,
  ];
}

function pixelAt(
  image: { data: Buffer; width: number },
  x: number,
  y: number,
): [number, number, number] {
  const offset = (y * image.width + x) * 3;
  return [image.data[offset] ?? 0, image.data[offset + 1] ?? 0, image.data[offset + 2] ?? 0];
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(
    (a[0] ?? 0) - (b[0] ?? 0),
    (a[1] ?? 0) - (b[1] ?? 0),
    (a[2] ?? 0) - (b[2] ?? 0),
  );
}

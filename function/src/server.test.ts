// The function (express app, pipeline, drawing) against fake model services
// (test/support/fake-model-services.ts) whose answers are fixed by the test: what the function
// sends them (letterboxed pixels and crops at the sizes their GetModelInfo gives), whether it
// cancels its calls, and where and in which colour it draws the boxes.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import type { ClassifyRequest } from '../../lib/gen/banana/v1/classifier.js';
import type { Box, GetModelInfoResponse } from '../../lib/gen/banana/v1/common.js';
import type { DetectRequest } from '../../lib/gen/banana/v1/detector.js';
import {
  startFakeModelServices,
  startFunctionOn,
  type FakeModelServices,
  type UnaryHandler,
} from '../../test/support/fake-model-services.js';
import { bananaScene } from '../../test/support/images.js';
import type { ClassifyResponseBody } from './answer.js';
import type { FunctionServer } from './server.js';

type InfoHandler = UnaryHandler<unknown, GetModelInfoResponse>;

const MODEL = { name: 'fixture', version: '1' };
const CLASSES = ['green', 'barely_ripe', 'ripe', 'very_ripe', 'over_ripe', 'rotten'];

/** Input specs as the services' GetModelInfo states them (sizes unlike the real cards'). */
const DETECTOR_INFO: GetModelInfoResponse = {
  model: MODEL,
  input: {
    width: 256,
    height: 224,
    padValue: [114, 114, 114],
    resizeMode: 'letterbox',
    resizeKernel: 'linear',
    channelOrder: 'RGB',
    layout: 'NHWC',
    dtype: 'uint8',
  },
  classNames: ['banana'],
  classLabels: [],
  // float32 on the wire, as a real service sends them
  detectionDefaults: {
    minConfidence: Math.fround(0.37),
    iouThreshold: 0.45,
    maxDetections: 60,
    minConfidenceSource: 'model card',
  },
  maxBatch: 0,
  maxImagePixels: 0,
};
const CLASSIFIER_INFO: GetModelInfoResponse = {
  model: MODEL,
  input: {
    width: 96,
    height: 96,
    padValue: [114, 114, 114],
    resizeMode: 'pad_to_square',
    resizeKernel: 'linear',
    channelOrder: 'RGB',
    layout: 'NHWC',
    dtype: 'uint8',
  },
  classNames: CLASSES,
  classLabels: [],
  maxBatch: 4,
  maxImagePixels: 0,
};

/** A GetModelInfo handler that answers with `info`. */
const answering =
  (info: GetModelInfoResponse): InfoHandler =>
  (_call, callback) => {
    callback(null, info);
  };

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
  const modelInfoCalls = { detector: 0, classifier: 0 };
  // GetModelInfo answers, swapped by the tests; the services' handlers count each call and
  // delegate to these.
  let detectorInfo = answering(DETECTOR_INFO);
  let classifierInfo = answering(CLASSIFIER_INFO);
  let services: FakeModelServices;
  let fn: FunctionServer;

  before(async () => {
    services = await startFakeModelServices();
    services.handlers.detect = (_call, callback) => {
      callback(null, {
        detections: [],
        model: MODEL,
        minConfidence: 0.38,
        minConfidenceSource: 'model card',
      });
    };
    services.handlers.classify = (call, callback) => {
      callback(null, {
        results: call.request.rawCrops.map(() => classification(0)),
        classes: CLASSES,
        model: MODEL,
      });
    };
    services.handlers.detectorInfo = (call, callback) => {
      modelInfoCalls.detector += 1;
      detectorInfo(call, callback);
    };
    services.handlers.classifierInfo = (call, callback) => {
      modelInfoCalls.classifier += 1;
      classifierInfo(call, callback);
    };
    fn = await startFunctionOn(services, { detectDeadlineMs: 60_000 });
  });
  after(async () => {
    await fn.close();
    services.close();
  });

  /** Holds every Detect call (never answers) and records when the function cancels it. */
  function holdDetectCalls(): HeldCall[] {
    const held: HeldCall[] = [];
    services.handlers.detect = (call) => {
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

  it("GET /models names the models, the detector's default thresholds and the stages", async () => {
    const response = await fetch(`${fn.url}/models`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      detector: {
        ...MODEL,
        defaults: {
          min_confidence: 0.37,
          min_confidence_source: 'model card',
          iou: 0.45,
          max_detections: 60,
        },
      },
      classifier: { ...MODEL, stages: CLASSES },
    });
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

  it('answers 422 for a photo whose one decode fails, without calling the detector', async () => {
    const held = holdDetectCalls();
    const whole = await bananaScene(1600, 1200, 'jpeg');
    const answer = await post('/', whole.subarray(0, Math.floor(whole.length * 0.6)));
    assert.equal(answer.status, 422, JSON.stringify(answer.body));
    assert.equal(
      (answer.body as unknown as { error: { code: string } }).error.code,
      'unprocessable_image',
    );
    assert.equal(held.length, 0, 'the detector received no call');
  });

  it('asks each service for its model info once, and again after a failed ask', async () => {
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    services.handlers.detect = (_call, callback) => {
      callback(null, {
        detections: [],
        model: MODEL,
        minConfidence: 0.38,
        minConfidenceSource: 'model card',
      });
    };
    // The shared function server has asked both already (earlier tests): once each.
    assert.equal((await post('/?format=none', photo)).status, 200);
    assert.deepEqual(modelInfoCalls, { detector: 1, classifier: 1 });

    const second = await startFunctionOn(services);
    const failOnce = classifierInfo;
    classifierInfo = (_call, callback) => {
      classifierInfo = failOnce;
      callback({ code: status.INTERNAL, details: 'model not loaded' });
    };
    try {
      const failed = await fetch(`${second.url}/?format=none`, { method: 'POST', body: photo });
      assert.equal(failed.status, 502);
      const answered = await fetch(`${second.url}/?format=none`, { method: 'POST', body: photo });
      assert.equal(answered.status, 200);
      const body = (await answered.json()) as ClassifyResponseBody;
      assert.deepEqual(body.models.classifier, MODEL);
      assert.deepEqual(modelInfoCalls, { detector: 2, classifier: 3 });
    } finally {
      await second.close();
    }
  });

  it('names in the answer the threshold the detector applied and where it came from', async () => {
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    const source = 'calibration 2 (2026-12-07): 95.0% of 40 photos with bananas found';
    services.handlers.detect = (_call, callback) => {
      // float32 on the wire, as a real service sends it
      callback(null, {
        detections: [],
        model: MODEL,
        minConfidence: Math.fround(0.61),
        minConfidenceSource: source,
      });
    };
    let { body } = await post('/?format=none', photo);
    assert.deepEqual(body.models.detector, {
      ...MODEL,
      min_confidence: 0.61,
      min_confidence_source: source,
    });
    // A detector of an earlier version says nothing about it: the fields are left out.
    services.handlers.detect = (_call, callback) => {
      callback(null, { detections: [], model: MODEL, minConfidence: 0, minConfidenceSource: '' });
    };
    ({ body } = await post('/?format=none', photo));
    assert.deepEqual(body.models.detector, MODEL);
  });

  it('asks the detector again after it refused pixels prepared for its previous input size', async () => {
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer();
    // A new detector model with a 192x192 input is rolled out after the function learnt 256x224.
    const previous = detectorInfo;
    const input = { ...(DETECTOR_INFO.input as NonNullable<GetModelInfoResponse['input']>) };
    detectorInfo = (_call, callback) => {
      callback(null, { ...DETECTOR_INFO, input: { ...input, width: 192, height: 192 } });
    };
    const sizes: string[] = [];
    services.handlers.detect = (call, callback) => {
      const pixels = call.request.letterboxed?.pixels;
      sizes.push(`${pixels?.width}x${pixels?.height}`);
      if (pixels?.width !== 192 || pixels.height !== 192) {
        callback({ code: status.INVALID_ARGUMENT, details: 'pixels are not 192x192' });
        return;
      }
      callback(null, {
        detections: [],
        model: MODEL,
        minConfidence: 0.38,
        minConfidenceSource: 'model card',
      });
    };
    try {
      assert.equal((await post('/?format=none', photo)).status, 422);
      assert.equal((await post('/?format=none', photo)).status, 200);
      assert.deepEqual(sizes, ['256x224', '192x192']);
    } finally {
      // Back to the first model: one more refusal makes the function ask again.
      detectorInfo = previous;
      services.handlers.detect = (_call, callback) => {
        callback({ code: status.INVALID_ARGUMENT, details: 'wrong size' });
      };
      await post('/?format=none', photo);
      services.handlers.detect = (_call, callback) => {
        callback(null, {
          detections: [],
          model: MODEL,
          minConfidence: 0.38,
          minConfidenceSource: 'model card',
        });
      };
    }
  });

  describe('a 4000x3000 photo with six coloured rectangles, one per stage', () => {
    const SIZE = { width: 4000, height: 3000 };
    /** Where the boxes are drawn, in a 1024x768 view of the photo. */
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
    const detectorSaw: DetectRequest[] = [];
    const classifierSaw: ClassifyRequest[] = [];
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

      // As the detector service does with letterboxed pixels: boxes in the original frame.
      services.handlers.detect = (call, callback) => {
        detectorSaw.push(call.request);
        callback(null, {
          detections: photoBoxes.map((box) => ({ box, confidence: 0.9, label: 'banana' })),
          imageSize: SIZE,
          model: MODEL,
          minConfidence: 0.38,
          minConfidenceSource: 'model card',
        });
      };
      // Classifies a crop by the mean colour of its centre (the sides of a crop padded to a
      // square are padding): the nearest fill decides the stage, and a crop that is not one
      // filled rectangle (cut from the wrong place) is refused.
      services.handlers.classify = (call, callback) => {
        classifierSaw.push(call.request);
        const results = [];
        for (const crop of call.request.rawCrops) {
          const centre: number[] = [];
          for (let y = crop.height / 2 - 8; y < crop.height / 2 + 8; y++)
            for (let x = crop.width / 2 - 8; x < crop.width / 2 + 8; x++)
              centre.push(y * crop.width + x);
          const mean = [0, 1, 2].map((c) => {
            let sum = 0;
            for (const p of centre) sum += crop.rgb[p * 3 + c] ?? 0;
            return sum / centre.length;
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
      // Two or more of the chunks the answer's base64 is streamed in (3 x 64 KiB of JPEG each).
      assert.ok((answer.img?.length ?? 0) > 4 * 64 * 1024, `img of ${answer.img?.length} chars`);
      const decoded = await sharp(Buffer.from(answer.img ?? '', 'base64'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual({ width: decoded.info.width, height: decoded.info.height }, SIZE);
      drawn = { data: decoded.data, width: decoded.info.width };
    });

    it('sends the detector raw pixels letterboxed at its input size, with the geometry', () => {
      assert.equal(detectorSaw.length, 1);
      const sent = detectorSaw[0] as DetectRequest;
      assert.equal(sent.image.length, 0, 'no encoded image');
      const { pixels, letterbox } = sent.letterboxed ?? {};
      assert.ok(pixels && letterbox, 'letterboxed pixels with their geometry');
      assert.deepEqual([pixels.width, pixels.height, pixels.rgb.length], [256, 224, 256 * 224 * 3]);
      // 4000x3000 into 256x224: scale 0.064, 256x192 placed 16 rows down.
      assert.deepEqual(letterbox.originalSize, SIZE);
      assert.ok(Math.abs(letterbox.scale - 0.064) < 1e-6, String(letterbox.scale));
      assert.deepEqual([letterbox.offsetX, letterbox.offsetY], [0, 16]);
      // Padding above the photo, the grey background of the photo below it.
      const at = (x: number, y: number) => [
        ...pixels.rgb.subarray((y * 256 + x) * 3, (y * 256 + x) * 3 + 3),
      ];
      assert.deepEqual(at(5, 5), [114, 114, 114]);
      assert.ok(distance(at(5, 20), [128, 128, 128]) < 6, String(at(5, 20)));
    });

    it('sends the classifier raw crops at its input size, in calls of at most its max_batch', () => {
      assert.deepEqual(classifierSaw.map((request) => request.rawCrops.length).sort(), [2, 4]);
      for (const request of classifierSaw) {
        assert.equal(request.crops.length, 0, 'no encoded crops');
        for (const crop of request.rawCrops)
          assert.deepEqual([crop.width, crop.height, crop.rgb.length], [96, 96, 96 * 96 * 3]);
      }
    });

    it('answers with the boxes in the photo', () => {
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

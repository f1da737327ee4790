import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClassifyRequest } from '../gen/banana/v1/classifier.js';
import { DetectRequest } from '../gen/banana/v1/detector.js';
import { serializeClassifyRequest, serializeDetectRequest } from './pixel-codec.js';

const pixels = (bytes: number, seed: number) =>
  Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed) % 256));

describe('serializeClassifyRequest', () => {
  it("gives the generated encoder's bytes, for raw crops small and large, encoded crops and none", () => {
    const requests: ClassifyRequest[] = [
      { crops: [], rawCrops: [] },
      { crops: [pixels(10, 1), pixels(300, 2)], rawCrops: [] },
      {
        crops: [],
        rawCrops: [
          { rgb: pixels(3, 3), width: 1, height: 1 },
          { rgb: pixels(128 * 128 * 3, 4), width: 128, height: 128 },
          { rgb: Buffer.alloc(0), width: 0, height: 0 },
          { rgb: pixels(200 * 300 * 3, 5), width: 200, height: 300 },
        ],
      },
    ];
    for (const request of requests) {
      const expected = Buffer.from(ClassifyRequest.encode(request).finish());
      assert.ok(serializeClassifyRequest(request).equals(expected));
    }
  });
});

describe('serializeDetectRequest', () => {
  it("gives the generated encoder's bytes, for an encoded image, letterboxed pixels and thresholds", () => {
    const letterbox = {
      originalSize: { width: 1280, height: 960 },
      scale: 0.25,
      offsetX: 0,
      offsetY: 40,
    };
    const requests: DetectRequest[] = [
      { image: pixels(70_000, 6), minConfidence: 0.25, iouThreshold: 0.5, maxDetections: 7 },
      { image: Buffer.alloc(0), letterboxed: { pixels: undefined, letterbox: undefined } },
      {
        image: Buffer.alloc(0),
        minConfidence: 0,
        letterboxed: {
          pixels: { rgb: pixels(320 * 320 * 3, 7), width: 320, height: 320 },
          letterbox,
        },
      },
      {
        image: pixels(5, 8),
        letterboxed: { pixels: { rgb: Buffer.alloc(0), width: 1, height: 1 }, letterbox },
      },
    ];
    for (const request of requests) {
      const expected = Buffer.from(DetectRequest.encode(request).finish());
      assert.ok(serializeDetectRequest(request).equals(expected));
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClassifyRequest } from '../gen/banana/v1/classifier.js';
import { serializeClassifyRequest } from './pixel-codec.js';

const generated = (request: ClassifyRequest) =>
  Buffer.from(ClassifyRequest.encode(request).finish());

describe('serializeClassifyRequest', () => {
  it("gives the generated encoder's bytes, for raw crops small and large, encoded crops and none", () => {
    const pixels = (bytes: number, seed: number) =>
      Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed) % 256));
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
      assert.ok(serializeClassifyRequest(request).equals(generated(request)));
    }
  });
});

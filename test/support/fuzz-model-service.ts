/**
 * Arbitraries and checks shared by the model services' fuzz tests: photos of random sizes
 * and formats (and bytes that are not photos), raw pixel buffers whose length may or may not
 * match their size, numbers at and beyond the edges, and the invariant every answer must meet.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import sharp from 'sharp';
import { status } from '@grpc/grpc-js';

/** A protobuf `float` field's value: any float32, edges and NaN / infinities included. */
export const anyFloat = fc.oneof(
  fc.float(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 31),
);

/** Small dimensions, zero and huge ones included. */
export const dimension = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(0, 1, 320, 4096, 2 ** 16, 2 ** 31 - 1),
);

/** An encoded image of a random size and format (maybe cut short), or bytes that are not one. */
export type ImageSpec =
  | { kind: 'image'; width: number; height: number; format: 'jpeg' | 'png' | 'webp'; cut?: number }
  | { kind: 'bytes'; bytes: Uint8Array };

export const imageSpec: fc.Arbitrary<ImageSpec> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('image' as const),
      width: fc.integer({ min: 1, max: 96 }),
      height: fc.integer({ min: 1, max: 96 }),
      format: fc.constantFrom('jpeg' as const, 'png' as const, 'webp' as const),
      cut: fc.nat(),
    },
    { requiredKeys: ['kind', 'width', 'height', 'format'] },
  ),
  fc.record({
    kind: fc.constant('bytes' as const),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(
        new Uint8Array(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
        new Uint8Array(Buffer.from('GIF89a')),
        new Uint8Array(0),
      ),
    ),
  }),
);

/** The bytes an ImageSpec describes. */
export async function realise(spec: ImageSpec): Promise<Buffer> {
  if (spec.kind === 'bytes') return Buffer.from(spec.bytes);
  const { width, height, format, cut } = spec;
  const encoded = await sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 180, b: 20 } },
  })
    .toFormat(format)
    .toBuffer();
  return cut === undefined ? encoded : encoded.subarray(0, cut % encoded.length);
}

/** Raw RGB pixels: a size and a buffer whose length may be wrong. */
export const rawImage = fc.record({
  width: dimension,
  height: dimension,
  length: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 64 * 64 * 3 + 3 })),
});

export function realiseRaw({
  width,
  height,
  length,
}: {
  width: number;
  height: number;
  length: number;
}) {
  const exact = width * height * 3;
  const size = length === -1 && exact <= 64 * 64 * 3 ? exact : Math.max(0, length);
  return { width, height, rgb: Buffer.alloc(size, 128) };
}

/** The codes a fuzzed call may end with: an answer or a clear refusal, never a failure of ours. */
const ACCEPTABLE_CODES: readonly status[] = [
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.OUT_OF_RANGE,
];

/** Runs a call; fails on any ending but an answer or a refusal in ACCEPTABLE_CODES. */
export async function answersOrRefuses(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    const { code, details } = error as { code?: number; details?: string };
    assert.ok(
      code !== undefined && (ACCEPTABLE_CODES as readonly number[]).includes(code),
      `ended with ${String(code)} ${String(details ?? error)}`,
    );
  }
}

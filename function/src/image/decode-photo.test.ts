import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { toHttpError } from '../errors.js';
import { decodePhoto, openPhoto } from './decode-photo.js';

const MAX_PIXELS = 50_000_000;
const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#fdd835' } });

/** The photo's error, as the HTTP edge answers it. */
const hasStatus = (status: number, message: RegExp) => (error: unknown) => {
  const answer = toHttpError(error);
  return answer.status === status && message.test(answer.message);
};

describe('decodePhoto', () => {
  it('decodes to packed RGB at the original size', async () => {
    const decoded = await decodePhoto(await photo(40, 20).png().toBuffer(), MAX_PIXELS);
    assert.equal(decoded.width, 40);
    assert.equal(decoded.height, 20);
    assert.equal(decoded.data.length, 40 * 20 * 3);
    assert.deepEqual([...decoded.data.subarray(0, 3)], [0xfd, 0xd8, 0x35]);
  });
  it('applies EXIF orientation', async () => {
    const rotated = await photo(40, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const decoded = await decodePhoto(rotated, MAX_PIXELS);
    assert.deepEqual([decoded.width, decoded.height], [20, 40]);
  });
  it('answers 415 for other formats', async () => {
    await assert.rejects(
      decodePhoto(await photo(4, 4).gif().toBuffer(), MAX_PIXELS),
      hasStatus(415, /GIF images are not supported/),
    );
    await assert.rejects(
      decodePhoto(Buffer.from('plain text'), MAX_PIXELS),
      hasStatus(415, /not a JPEG, PNG or WebP image/),
    );
  });
  it('answers 422 for a truncated image', async () => {
    const jpeg = await photo(64, 64).jpeg().toBuffer();
    await assert.rejects(
      decodePhoto(jpeg.subarray(0, jpeg.length / 2), MAX_PIXELS),
      hasStatus(422, /could not be (read|decoded)/),
    );
  });
  it('openPhoto reads the size from the header; decode() then gives those pixels', async () => {
    const opened = await openPhoto(await photo(30, 10).png().toBuffer(), MAX_PIXELS);
    assert.deepEqual(opened.size, { width: 30, height: 10 });
    const decoded = await opened.decode();
    assert.deepEqual([decoded.width, decoded.height, decoded.data.length], [30, 10, 900]);
  });
  it('openPhoto refuses before decoding: 415, 422 above the pixel limit', async () => {
    await assert.rejects(
      openPhoto(await photo(4, 4).gif().toBuffer(), MAX_PIXELS),
      hasStatus(415, /GIF images are not supported/),
    );
    await assert.rejects(
      openPhoto(await photo(20, 20).png().toBuffer(), 100),
      hasStatus(422, /above the limit of 100/),
    );
  });
  it('answers 400 for an empty body', async () => {
    await assert.rejects(decodePhoto(Buffer.alloc(0), MAX_PIXELS), hasStatus(400, /empty/));
  });
  it('answers 422 above the pixel limit, naming the limit', async () => {
    await assert.rejects(
      decodePhoto(await photo(20, 20).png().toBuffer(), 100),
      hasStatus(422, /20x20 = 400 pixels, above the limit of 100/),
    );
  });
});

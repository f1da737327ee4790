import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { sniffImageFormat } from './sniff.js';

const pixel = () => sharp({ create: { width: 4, height: 4, channels: 3, background: '#fdd835' } });

describe('sniffImageFormat', () => {
  it('accepts JPEG, PNG and WebP by their magic bytes', async () => {
    assert.deepEqual(sniffImageFormat(await pixel().jpeg().toBuffer()), {
      supported: true,
      format: 'jpeg',
    });
    assert.deepEqual(sniffImageFormat(await pixel().png().toBuffer()), {
      supported: true,
      format: 'png',
    });
    assert.deepEqual(sniffImageFormat(await pixel().webp().toBuffer()), {
      supported: true,
      format: 'webp',
    });
  });
  it('recognises GIF, TIFF, HEIF, AVIF, BMP, PDF and SVG as unsupported', async () => {
    assert.equal(sniffImageFormat(await pixel().gif().toBuffer()).format, 'gif');
    assert.equal(sniffImageFormat(await pixel().tiff().toBuffer()).format, 'tiff');
    assert.equal(sniffImageFormat(await pixel().avif().toBuffer()).format, 'avif');
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.alloc(12),
    ]);
    assert.equal(sniffImageFormat(heic).format, 'heif');
    assert.equal(sniffImageFormat(Buffer.from('BM\0\0\0\0')).format, 'bmp');
    assert.equal(sniffImageFormat(Buffer.from('%PDF-1.7')).format, 'pdf');
    assert.equal(
      sniffImageFormat(Buffer.from('\uFEFF  <svg xmlns="http://www.w3.org/2000/svg"/>')).format,
      'svg',
    );
    assert.equal(sniffImageFormat(Buffer.from('<?xml version="1.0"?>\n<svg/>')).format, 'svg');
  });
  it('reports unknown bytes, short inputs included', () => {
    assert.deepEqual(sniffImageFormat(Buffer.from('hello world')), {
      supported: false,
      format: 'unknown',
    });
    assert.deepEqual(sniffImageFormat(Buffer.from([0xff, 0xd8])), {
      supported: false,
      format: 'unknown',
    });
    assert.deepEqual(sniffImageFormat(Buffer.alloc(0)), { supported: false, format: 'unknown' });
  });
});

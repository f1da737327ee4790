/**
 * Identifies an image format from its first bytes (never from the declared Content-Type).
 * Only JPEG, PNG and WebP are accepted; the other formats are recognised so that the
 * client gets a precise 415 message.
 */
export type SupportedFormat = 'jpeg' | 'png' | 'webp';
export type KnownUnsupportedFormat =
  'gif' | 'tiff' | 'bmp' | 'heif' | 'avif' | 'svg' | 'ico' | 'pdf';

export type SniffResult =
  | { supported: true; format: SupportedFormat }
  | { supported: false; format: KnownUnsupportedFormat | 'unknown' };

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, index) => bytes[offset + index] === value);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString('latin1');
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 1024))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return (
    head.startsWith('<svg') ||
    ((head.startsWith('<?xml') || head.startsWith('<!doctype svg')) && head.includes('<svg'))
  );
}

export function sniffImageFormat(bytes: Uint8Array): SniffResult {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { supported: true, format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { supported: true, format: 'png' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { supported: true, format: 'webp' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    return { supported: false, format: 'gif' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { supported: false, format: 'tiff' };
  }
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (AVIF_BRANDS.has(brand)) return { supported: false, format: 'avif' };
    if (HEIF_BRANDS.has(brand)) return { supported: false, format: 'heif' };
  }
  if (ascii(bytes, 0, 2) === 'BM') return { supported: false, format: 'bmp' };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { supported: false, format: 'ico' };
  if (ascii(bytes, 0, 5) === '%PDF-') return { supported: false, format: 'pdf' };
  if (looksLikeSvg(bytes)) return { supported: false, format: 'svg' };
  return { supported: false, format: 'unknown' };
}

export const SUPPORTED_FORMATS_TEXT = 'JPEG, PNG or WebP';

import { EmptyImageError, UnsupportedImageError } from './image-input-error.js';

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type SupportedFormat = (typeof SUPPORTED_FORMATS)[number];
export type ImageFormat = SupportedFormat | 'gif' | 'tiff' | 'bmp' | 'heif' | 'avif' | 'svg';

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  return signature.every((byte, i) => bytes[at + i] === byte);
}

function ascii(text: string): number[] {
  return Array.from(Buffer.from(text, 'latin1'));
}

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'];

function isoBrand(bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, ascii('ftyp'), 4)) return undefined;
  return String.fromCharCode(...bytes.subarray(8, 12));
}

function looksLikeXml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 256))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  return /^\s*</.test(head);
}

/** Identifies an image format from its magic bytes (never from a name or a declared type). */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, ...ascii('PNG\r\n\x1a\n')])) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, ascii('GIF8'))) return 'gif';
  if (startsWith(bytes, ascii('II*\0')) || startsWith(bytes, ascii('MM\0*'))) return 'tiff';
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  const brand = isoBrand(bytes);
  if (brand === 'avif' || brand === 'avis') return 'avif';
  if (brand !== undefined && HEIF_BRANDS.includes(brand)) return 'heif';
  if (looksLikeXml(bytes)) return 'svg';
  return undefined;
}

/**
 * Throws an ImageInputError unless the bytes are a JPEG, PNG or WebP image (an
 * UnsupportedImageError when they are something else).
 */
export function assertSupportedImage(bytes: Uint8Array, what = 'image'): SupportedFormat {
  if (bytes.length === 0) throw new EmptyImageError(what);
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new UnsupportedImageError(`${what} is not a JPEG, PNG or WebP image`, undefined);
  }
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw new UnsupportedImageError(
      `${what} is ${format.toUpperCase()}, which is not supported (send JPEG, PNG or WebP)`,
      format,
    );
  }
  return format as SupportedFormat;
}

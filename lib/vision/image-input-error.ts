/** The caller sent an image (or region) that cannot be processed; the message says why. */
export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/** The bytes are not JPEG, PNG or WebP: `format` is what they are, if recognised (e.g. "gif"). */
export class UnsupportedImageError extends ImageInputError {
  constructor(
    message: string,
    readonly format: string | undefined,
  ) {
    super(message);
    this.name = 'UnsupportedImageError';
  }
}

/** The caller sent no bytes at all. */
export class EmptyImageError extends ImageInputError {
  constructor(what: string) {
    super(`${what} is empty (0 bytes)`);
    this.name = 'EmptyImageError';
  }
}

/**
 * sharp's error text as one clause: libvips repeats a warning once per scanline or marker
 * ("VipsJpeg: Bogus Huffman table definition" three times) and spreads them over lines.
 */
export function libvipsReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const parts = text
    .split(/\n|(?=\bVips[A-Za-z]+: )/)
    .map((part) =>
      part
        .replace(/\s+/g, ' ')
        .replace(/[\s:]+$/, '')
        .trim(),
    )
    .filter((part) => part !== '');
  return [...new Set(parts)].join(': ');
}

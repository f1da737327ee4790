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

/** The caller sent an image (or region) that cannot be processed; the message says why. */
export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

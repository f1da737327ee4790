/** A photo decoded once by the function: packed RGB, 3 bytes per pixel, EXIF orientation applied. */
export interface DecodedImage {
  pixels: Buffer;
  width: number;
  height: number;
}

export const RGB_CHANNELS = 3;

export function rawInputOf(image: DecodedImage): {
  raw: { width: number; height: number; channels: 3 };
} {
  return { raw: { width: image.width, height: image.height, channels: RGB_CHANNELS } };
}

import sharp from 'sharp';

export interface RawCrop {
  rgb: Buffer;
  width: number;
  height: number;
}

/** `count` copies of one banana-sized raw crop (200 x 110 px, as in a 1280 px photo). */
export async function repeatedCrop(jpeg: Buffer, count: number): Promise<RawCrop[]> {
  const { data, info } = await sharp(jpeg)
    .extract({ left: 100, top: 100, width: 200, height: 110 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Array.from({ length: count }, () => ({
    rgb: data,
    width: info.width,
    height: info.height,
  }));
}

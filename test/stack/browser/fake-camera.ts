/**
 * A video file for Chromium's fake camera (--use-file-for-fake-video-capture): Y4M, a text
 * header and raw I420 frames (a full-size luma plane, then quarter-size U and V planes),
 * made from synthetic banana photos. Chromium plays the frames in a loop.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { syntheticBananaPhoto } from '../../../scripts/lib/synthetic-photo.js';

/** BT.601 studio-range RGB -> Y'CbCr of one pixel. */
function yuv(r: number, g: number, b: number): [number, number, number] {
  return [
    16 + 0.257 * r + 0.504 * g + 0.098 * b,
    128 - 0.148 * r - 0.291 * g + 0.439 * b,
    128 + 0.439 * r - 0.368 * g - 0.071 * b,
  ];
}

/** One I420 frame from packed RGB (even width and height). */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Buffer {
  const frame = Buffer.alloc((width * height * 3) / 2);
  const uOffset = width * height;
  const vOffset = uOffset + (width * height) / 4;
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let u = 0;
      let v = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((y + dy) * width + x + dx) * 3;
        const [luma, cb, cr] = yuv(rgb[i] ?? 0, rgb[i + 1] ?? 0, rgb[i + 2] ?? 0);
        frame[(y + dy) * width + x + dx] = Math.round(luma);
        u += cb;
        v += cr;
      }
      const c = (y / 2) * (width / 2) + x / 2;
      frame[uOffset + c] = Math.round(u / 4);
      frame[vOffset + c] = Math.round(v / 4);
    }
  }
  return frame;
}

/** Writes a Y4M video of `frames` synthetic banana photos (different seeds) to `path`. */
export async function writeFakeCameraVideo(
  path: string,
  { width = 640, height = 480, frames = 3, fps = 10 } = {},
): Promise<void> {
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420\n`)];
  for (let seed = 1; seed <= frames; seed++) {
    const photo = await syntheticBananaPhoto({ width, height, bananas: 4, seed, format: 'png' });
    const rgb = await sharp(photo).removeAlpha().raw().toBuffer();
    parts.push(Buffer.from('FRAME\n'), rgbToI420(rgb, width, height));
  }
  await writeFile(path, Buffer.concat(parts));
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, whose camera plays `cameraVideo` (written by
 * writeFakeCameraVideo); pages get it only where the camera permission is granted (Playwright
 * denies permissions that a context did not grant).
 */
export function launchWithFakeCamera(cameraVideo: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${cameraVideo}`,
    ],
  });
}

import type { Box, Size } from '../../../lib/vision/index.js';

/** `size` scaled down (never up) so that its longer side is at most `maxSide`, keeping the aspect ratio. */
export function fitWithin(size: Size, maxSide: number): Size {
  const longer = Math.max(size.width, size.height);
  if (longer <= maxSide) return size;
  const scale = maxSide / longer;
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/** Maps a box from an image of size `from` to the same image resampled to size `to`. */
export function rescaleBox(box: Box, from: Size, to: Size): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return {
    xMin: Math.min(to.width, Math.max(0, box.xMin * sx)),
    yMin: Math.min(to.height, Math.max(0, box.yMin * sy)),
    xMax: Math.min(to.width, Math.max(0, box.xMax * sx)),
    yMax: Math.min(to.height, Math.max(0, box.yMax * sy)),
  };
}

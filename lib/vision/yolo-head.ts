import type { HeadLevel } from '../model-card/index.js';
import type { ScoredBox } from './types.js';

/** Values per head row: tx, ty, tw, th, objectness_logit. */
const HEAD_ROW_LENGTH = 5;

function headRowCount(levels: readonly HeadLevel[]): number {
  return levels.reduce((rows, level) => rows + level.gridWidth * level.gridHeight, 0);
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Decodes the raw [1, N, 5] head into boxes in model-input pixels, keeping those with
 * score >= minScore. Per the card: cx = (gx + tx) * stride, cy = (gy + ty) * stride,
 * w = exp(tw) * stride, h = exp(th) * stride, score = sigmoid(objectness_logit);
 * rows run level by level, row-major within a level.
 */
export function decodeYoloHead(
  head: Float32Array,
  levels: readonly HeadLevel[],
  minScore: number,
): ScoredBox[] {
  const rows = headRowCount(levels);
  if (head.length !== rows * HEAD_ROW_LENGTH) {
    throw new RangeError(
      `detector output has ${head.length} values, the model card describes ${rows} rows of ${HEAD_ROW_LENGTH}`,
    );
  }
  const found: ScoredBox[] = [];
  let offset = 0;
  for (const { stride, gridWidth, gridHeight } of levels) {
    for (let gy = 0; gy < gridHeight; gy++) {
      for (let gx = 0; gx < gridWidth; gx++, offset += HEAD_ROW_LENGTH) {
        const score = sigmoid(head[offset + 4] ?? -Infinity);
        if (score < minScore) continue;
        const cx = (gx + (head[offset] ?? 0)) * stride;
        const cy = (gy + (head[offset + 1] ?? 0)) * stride;
        const halfW = (Math.exp(head[offset + 2] ?? 0) * stride) / 2;
        const halfH = (Math.exp(head[offset + 3] ?? 0) * stride) / 2;
        found.push({
          box: { xMin: cx - halfW, yMin: cy - halfH, xMax: cx + halfW, yMax: cy + halfH },
          score,
        });
      }
    }
  }
  return found;
}

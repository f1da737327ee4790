import type { Box, ScoredBox } from './types.js';

export function area(box: Box): number {
  return Math.max(0, box.xMax - box.xMin) * Math.max(0, box.yMax - box.yMin);
}

/** Intersection over union; 0 when the union is empty. */
export function iou(a: Box, b: Box): number {
  const intersection = area({
    xMin: Math.max(a.xMin, b.xMin),
    yMin: Math.max(a.yMin, b.yMin),
    xMax: Math.min(a.xMax, b.xMax),
    yMax: Math.min(a.yMax, b.yMax),
  });
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Greedy class-agnostic non-maximum suppression: visits boxes by decreasing score (ties
 * keep input order) and drops any whose IoU with an already kept box exceeds iouThreshold.
 * Returns at most maxDetections boxes, most confident first.
 */
export function nonMaxSuppression(
  candidates: readonly ScoredBox[],
  iouThreshold: number,
  maxDetections: number,
): ScoredBox[] {
  const byScore = [...candidates].sort((a, b) => b.score - a.score);
  const kept: ScoredBox[] = [];
  for (const candidate of byScore) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => iou(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  return kept;
}

"""Detection metrics, defined exactly as models/eval (TypeScript) computes them.

AP: detections of all images sorted by score (desc, stable), greedy matching to the unmatched ground
truth box of highest IoU >= t in the same image; precision made monotone from the right, then
COCO-style 101-point interpolated (recall 0, 0.01, ..., 1). mAP@0.5:0.95 averages t = 0.50..0.95 step 0.05.
Precision/recall at the default threshold: detections with score >= confidence threshold, matched at IoU 0.5.
"""
import numpy as np


def iou_matrix(a, b):
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def _match(preds, gts, t, duplicates=None):
    """preds: list per image of (boxes[N,4], scores[N]); gts: list of boxes[M,4]. Returns (scores, tp flags, n_gt).
    When duplicates is a list, it receives one flag per ranked prediction: not matched, but IoU >= t with a
    ground truth that a higher-scoring prediction already matched (as models/eval/detection-metrics.ts)."""
    entries = []
    for i, (boxes, scores) in enumerate(preds):
        for j in range(len(scores)):
            entries.append((-float(scores[j]), i, j))
    entries.sort(key=lambda e: e[0])
    ious = [iou_matrix(p[0], g) for p, g in zip(preds, gts)]
    used = [np.zeros(len(g), dtype=bool) for g in gts]
    tp = np.zeros(len(entries))
    sc = np.zeros(len(entries))
    if duplicates is not None:
        duplicates[:] = [False] * len(entries)
    for k, (neg, i, j) in enumerate(entries):
        sc[k] = -neg
        if len(gts[i]) == 0:
            continue
        row = np.where(used[i], -1.0, ious[i][j])
        overlaps_taken = bool(np.any(used[i] & (ious[i][j] >= t)))
        m = int(np.argmax(row))
        if row[m] >= t:
            used[i][m] = True
            tp[k] = 1
        elif duplicates is not None:
            duplicates[k] = overlaps_taken
    return sc, tp, sum(len(g) for g in gts)


def average_precision(preds, gts, t):
    _, tp, n_gt = _match(preds, gts, t)
    if n_gt == 0:
        return 0.0
    ctp = np.cumsum(tp)
    recall = ctp / n_gt
    precision = ctp / np.arange(1, len(tp) + 1)
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    total = 0.0
    for r in np.linspace(0, 1, 101):
        idx = np.searchsorted(recall, r - 1e-12, side="left")
        total += precision[idx] if idx < len(precision) else 0.0
    return total / 101


def precision_recall_at(preds, gts, conf, t=0.5):
    p, r, _ = precision_recall_duplicates_at(preds, gts, conf, t)
    return p, r


def precision_recall_duplicates_at(preds, gts, conf, t=0.5):
    """Precision, recall and duplicate rate of the predictions scoring >= conf."""
    kept = [(b[s >= conf], s[s >= conf]) for b, s in preds]
    dup = []
    _, tp, n_gt = _match(kept, gts, t, dup)
    n_det = len(tp)
    return ((float(tp.sum() / n_det) if n_det else 0.0), (float(tp.sum() / n_gt) if n_gt else 0.0),
            (float(np.sum(dup) / n_det) if n_det else 0.0))


def detection_report(preds, gts, conf):
    ap50 = average_precision(preds, gts, 0.5)
    aps = [average_precision(preds, gts, t) for t in np.arange(0.5, 0.96, 0.05)]
    p, r, dup = precision_recall_duplicates_at(preds, gts, conf)
    return {"precision": p, "recall": r, "duplicate_rate": dup, "map50": ap50, "map50_95": float(np.mean(aps))}

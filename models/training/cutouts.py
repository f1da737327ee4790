"""Bananas cut out of the training photos and pasted onto real banana-free photos.

The training photos are mostly bananas on plain, unsaturated backgrounds, so a banana's pixels are
found by GrabCut started from the labelled boxes: outside every box is background, inside a box
saturated pixels are probably banana and the rest probably background. A photo whose mask does
not reach across each of its boxes (a pale banana lost to the background) is not used.

Pasting 1-6 cut-outs onto a real photo (a shop shelf, a market, a kitchen from a training
source) gives bananas in real scenes with one exact box per banana; half of the time they are
placed close together, partly covering each other, like a bunch on a counter. A box more than half
hidden by a later cut-out is dropped.
"""
import hashlib
import os
import time

import cv2
import numpy as np

from common import RUNS_DIR, log

SATURATED = 60      # HSV saturation (0-255) from which a pixel inside a box starts as probable banana
MARGIN = 6          # pixels of background around the boxes given to GrabCut
MIN_SPAN = 0.85     # the mask must span this share of each box's width and height
BANANA_HUES = (5, 55)  # OpenCV hue (0-180) of yellow, green and brown peel
MIN_BANANA_SHARE = 0.8  # share of a cut-out's pixels with a peel hue or dark (rotten), else a background was kept


def cut_out(img, boxes):
    """(rgb, alpha, boxes) of the photo's bananas: the boxes' region with a GrabCut mask (uint8 0/255),
    boxes relative to the region; None when the mask does not reach across every box."""
    H, W = img.shape[:2]
    x0, y0 = np.maximum(np.floor(boxes[:, :2].min(0)).astype(int) - MARGIN, 0)
    x1, y1 = np.minimum(np.ceil(boxes[:, 2:].max(0)).astype(int) + MARGIN, [W, H])
    crop = np.ascontiguousarray(img[y0:y1, x0:x1])
    rel = boxes - np.array([x0, y0, x0, y0], np.float32)
    inside = np.zeros(crop.shape[:2], bool)
    for b in rel:
        inside[max(0, int(b[1])):int(np.ceil(b[3])), max(0, int(b[0])):int(np.ceil(b[2]))] = True
    saturated = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)[..., 1] > SATURATED
    mask = np.where(inside, np.where(saturated, cv2.GC_PR_FGD, cv2.GC_PR_BGD), cv2.GC_BGD).astype(np.uint8)
    if not (mask == cv2.GC_PR_FGD).any() or not (mask != cv2.GC_PR_FGD).any():
        return None
    try:
        cv2.grabCut(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), mask, None, np.zeros((1, 65)), np.zeros((1, 65)), 2,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return None
    fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    for b in rel.astype(int):
        part = fg[max(0, b[1]):b[3], max(0, b[0]):b[2]]
        if part.size == 0 or not part.any():
            return None
        cols, rows = np.flatnonzero(part.any(0)), np.flatnonzero(part.any(1))
        if cols[-1] - cols[0] + 1 < MIN_SPAN * part.shape[1] or rows[-1] - rows[0] + 1 < MIN_SPAN * part.shape[0]:
            return None
    return crop, fg.astype(np.uint8) * 255, rel.astype(np.float32)


def peel_coloured(rgb, alpha):
    """Whether the cut-out's pixels are mostly peel-coloured (yellow, green, brown, or dark), not a
    saturated background that GrabCut kept with the banana."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[alpha > 0]
    if len(hsv) == 0:
        return False
    ok = ((hsv[:, 0] >= BANANA_HUES[0]) & (hsv[:, 0] <= BANANA_HUES[1])) | (hsv[:, 2] < 60)
    return ok.mean() >= MIN_BANANA_SHARE


def build(x, boxes, data_key):
    """Cut-outs of every photo with boxes, cached under runs/ (keyed by the detector cache's key)."""
    path = os.path.join(RUNS_DIR, f"cutouts_{hashlib.sha1(data_key.encode()).hexdigest()[:12]}.npz")
    if os.path.exists(path):
        d = np.load(path, allow_pickle=True)
        return [c for c in zip(d["rgb"], d["alpha"], d["boxes"]) if peel_coloured(c[0], c[1])]
    t, out = time.time(), []
    for img, b in zip(x, boxes):
        if len(b):
            c = cut_out(img, b)
            if c is not None:
                out.append(c)
    log(f"cut-outs: {len(out)} of {len(x)} photos in {time.time() - t:.0f} s")
    os.makedirs(RUNS_DIR, exist_ok=True)
    arr = lambda i: np.array([c[i] for c in out] + [None], dtype=object)[:-1]  # noqa: E731 (ragged arrays)
    np.savez(path, rgb=arr(0), alpha=arr(1), boxes=arr(2))
    return [c for c in out if peel_coloured(c[0], c[1])]


def paste(background, cutouts, rng, max_count=6):
    """background (H, W, 3 uint8) with 1..max_count random cut-outs pasted on it; returns (picture, boxes)."""
    H, W = background.shape[:2]
    out = background.astype(np.float32)
    count = int(min(max_count, rng.geometric(0.45)))
    cluster = count > 1 and rng.random() < 0.5
    centre = rng.uniform([0.25 * W, 0.25 * H], [0.75 * W, 0.75 * H])
    long_side = rng.uniform(50, 220) if cluster else None
    placed = []  # (boxes in picture, visible mask of the cut-out in picture coordinates)
    for _ in range(count):
        rgb, alpha, rel = cutouts[int(rng.integers(len(cutouts)))]
        h0, w0 = alpha.shape
        side = (long_side * rng.uniform(0.8, 1.25)) if cluster else rng.uniform(36, 280)
        s = min(side / max(h0, w0), 0.95 * W / w0, 0.95 * H / h0)
        w, h = max(4, int(round(w0 * s))), max(4, int(round(h0 * s)))
        if cluster:
            cx, cy = centre + rng.normal(0, 0.35, 2) * [w, h]
            ox, oy = int(np.clip(cx - w / 2, 0, W - w)), int(np.clip(cy - h / 2, 0, H - h))
        else:
            ox, oy = int(rng.integers(0, W - w + 1)), int(rng.integers(0, H - h + 1))
        flip = rng.random() < 0.5
        rgb_s = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
        a = cv2.GaussianBlur(cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR), (3, 3), 0)
        b = rel * s + np.array([ox, oy, ox, oy], np.float32)
        if flip:
            rgb_s, a = rgb_s[:, ::-1], a[:, ::-1]
            b = np.stack([2 * ox + w - b[:, 2], b[:, 1], 2 * ox + w - b[:, 0], b[:, 3]], 1)
        af = a.astype(np.float32)[..., None] / 255.0
        region = out[oy:oy + h, ox:ox + w]
        region[:] = region * (1 - af) + rgb_s.astype(np.float32) * af
        full = np.zeros((H, W), bool)
        full[oy:oy + h, ox:ox + w] = a > 127
        for prev in placed:
            prev[1] &= ~full
        placed.append([b.astype(np.float32), full, full.sum()])
    keep = []
    for b, visible, total in placed:
        if total > 0 and visible.sum() >= 0.5 * total:
            keep.append(b)
    boxes = np.concatenate(keep) if keep else np.zeros((0, 4), np.float32)
    boxes = np.clip(boxes, 0, [W, H, W, H]).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8), boxes

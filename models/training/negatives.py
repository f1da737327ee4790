"""Photos without bananas for the detector: training negatives, pasted distractors, held-out evaluation.

A negatives folder (kept outside the repository; models/README.md says how to get it) holds
  <dir>/train/**.jpg|png    used in training (whole negative images and distractors pasted onto banana photos)
  <dir>/heldout/**.jpg|png  never trained on: the fraction of these photos with any detection is reported
The photos are objects on a white background (Fruits-360), so a distractor's mask is "not near-white".
"""
import os

import cv2
import numpy as np

from common import letterbox, open_rgb

EXTENSIONS = (".jpg", ".jpeg", ".png")


def list_images(folder):
    """Every image under folder, sorted (deterministic order)."""
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, f) for f in files if f.lower().endswith(EXTENSIONS)]
    return sorted(found)


def load_images(folder):
    """Native-size uint8 RGB arrays of every image under folder."""
    return [np.asarray(open_rgb(p)) for p in list_images(folder)]


def letterboxed(folder, card):
    """Every image under folder letterboxed to the card's input, as the services feed it."""
    inp = card["input"]
    paths = list_images(folder)
    out = np.zeros((len(paths), inp["height"], inp["width"], 3), dtype=np.uint8)
    for i, p in enumerate(paths):
        out[i] = letterbox(open_rgb(p), inp["width"], inp["height"], inp["resize"]["pad_value"])[0]
    return out


def _mask(img):
    """Object mask of a photo on white: not near-white, opened, edges softened. float32 HxWx1 in [0, 1]."""
    m = (img.min(axis=2) < 235).astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.GaussianBlur(m.astype(np.float32), (5, 5), 0)[..., None]


def _paste(canvas, obj, x, y, size):
    """Alpha-composite obj (resized so its longer side is size) onto canvas at (x, y); clipped to the canvas."""
    h0, w0 = obj.shape[:2]
    s = size / max(h0, w0)
    w, h = max(2, int(round(w0 * s))), max(2, int(round(h0 * s)))
    o = cv2.resize(obj, (w, h), interpolation=cv2.INTER_LINEAR)
    a = _mask(o)
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    o, a = o[y0 - y:y1 - y, x0 - x:x1 - x], a[y0 - y:y1 - y, x0 - x:x1 - x]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = np.round(region * (1 - a) + o.astype(np.float32) * a).astype(np.uint8)


def compose_negative(negs, H, W, rng):
    """A picture with no banana: one large object (stock-photo style) or several smaller ones, on white
    or a random flat colour."""
    bg = np.full((H, W, 3), 255, np.uint8) if rng.random() < 0.5 else \
        np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (H, W, 3)).copy()
    n = 1 if rng.random() < 0.5 else int(rng.integers(2, 6))
    for _ in range(n):
        size = int(min(W, H) * (rng.uniform(0.4, 1.0) if n == 1 else rng.uniform(0.2, 0.55)))
        x, y = int(rng.integers(-size // 4, W - size * 3 // 4)), int(rng.integers(-size // 4, H - size * 3 // 4))
        _paste(bg, negs[int(rng.integers(len(negs)))], x, y, size)
    return bg


def paste_distractors(img, boxes, negs, rng, max_overlap=0.2):
    """Paste 1-3 objects onto a banana photo (in place) where they cover at most max_overlap of any banana box."""
    H, W = img.shape[:2]
    for _ in range(int(rng.integers(1, 4))):
        size = int(min(W, H) * rng.uniform(0.15, 0.45))
        for _try in range(6):
            x, y = int(rng.integers(0, W - size // 2)), int(rng.integers(0, H - size // 2))
            if len(boxes):
                ix = np.clip(np.minimum(boxes[:, 2], x + size) - np.maximum(boxes[:, 0], x), 0, None)
                iy = np.clip(np.minimum(boxes[:, 3], y + size) - np.maximum(boxes[:, 1], y), 0, None)
                area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
                if np.any(ix * iy > max_overlap * np.minimum(area, size * size)):
                    continue
            _paste(img, negs[int(rng.integers(len(negs)))], x, y, size)
            break


def negative_rate(preds, conf):
    """Fraction of photos (each expected to contain no banana) with at least one detection scoring >= conf."""
    if not preds:
        return 0.0
    return float(np.mean([bool(np.any(sc >= conf)) for _, sc in preds]))

"""Real-scene photos in detector training: banana-free photos from the training sources as whole
negative images, hard-negative mining (the detector's own false boxes on those photos, zoomed in,
fed back as negative pictures), bananas pasted onto real backgrounds, and continued training from
a shipped detector ONNX.

The photos come from the `train` sets of models/data/fetch_realworld.py (never from its `eval` sets).
"""
import hashlib
import json
import os

import cv2
import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from common import RUNS_DIR, normalize
import cutouts
import negatives

PAD = 114


def letterboxed_pool(folders, card):
    """Every photo under the folders letterboxed to the card's input, cached under runs/."""
    key = hashlib.sha1(json.dumps([sorted(os.path.abspath(f) for f in folders), card["input"]]).encode()).hexdigest()
    path = os.path.join(RUNS_DIR, f"realneg_cache_{key[:12]}.npy")
    if os.path.exists(path):
        return np.load(path)
    x = np.concatenate([negatives.letterboxed(f, card) for f in folders])
    os.makedirs(RUNS_DIR, exist_ok=True)
    np.save(path, x)
    return x


class RealNegatives:
    """A pool of banana-free real photos with per-photo hardness from the detector's false boxes."""

    def __init__(self, folders, card):
        self.x = letterboxed_pool(folders, card)
        self.false_boxes = [np.zeros((0, 4), np.float32)] * len(self.x)
        self.weight = np.ones(len(self.x))

    def mine(self, predict_fn, conf):
        """Run the detector (predict_fn(x) -> [(boxes, scores)]) over the pool; photos with a box
        scoring >= conf become 4x as likely to be drawn, and their false boxes are kept for zooming.
        Returns the share of photos with a false box."""
        preds = predict_fn(self.x)
        self.false_boxes = [b[s >= conf] for b, s in preds]
        hard = np.array([len(b) > 0 for b in self.false_boxes])
        self.weight = 1.0 + 3.0 * hard
        return float(hard.mean()) if len(hard) else 0.0

    def sample(self, rng, zoom_prob=0.5, rotate_prob=0.0):
        """One negative picture: a photo of the pool (hard ones more often), zoomed onto one of its
        false boxes with probability zoom_prob when it has any, then turned inside its frame with
        black corners (rotated_in_frame) with probability rotate_prob."""
        i = int(rng.choice(len(self.x), p=self.weight / self.weight.sum()))
        img, boxes = self.x[i], self.false_boxes[i]
        if len(boxes) and rng.random() < zoom_prob:
            img = zoom_on(img, boxes[int(rng.integers(len(boxes)))], rng)
        if rotate_prob > 0 and rng.random() < rotate_prob:
            return rotated_in_frame(img, rng)
        return img.copy()


def zoom_on(img, box, rng):
    """The picture magnified around box so that the box spans 25-70% of the frame (at most 3x)."""
    H, W = img.shape[:2]
    side = max(box[2] - box[0], box[3] - box[1], 4.0)
    scale = float(np.clip(rng.uniform(0.25, 0.7) * W / side, 1.0, 3.0))
    cx = (box[0] + box[2]) / 2 + rng.uniform(-0.2, 0.2) * side
    cy = (box[1] + box[3]) / 2 + rng.uniform(-0.2, 0.2) * side
    m = np.array([[scale, 0, W / 2 - scale * cx], [0, scale, H / 2 - scale * cy]], np.float32)
    return cv2.warpAffine(img, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=(PAD, PAD, PAD))


def content_box(img):
    """The letterboxed photo's content (rows and columns that are not all padding)."""
    not_pad = np.any(img != PAD, axis=2)
    rows, cols = np.flatnonzero(not_pad.any(1)), np.flatnonzero(not_pad.any(0))
    if len(rows) == 0:
        return 0, 0, img.shape[1], img.shape[0]
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def rotated_in_frame(img, rng):
    """The picture's content turned by 10-45 degrees either way inside its own frame, the corners
    black, shrunk to fit half of the time: how 22% of the training photos (all with bananas) were
    exported. Negatives turned the same way keep the detector from taking black corners for a banana."""
    x0, y0, x1, y1 = content_box(img)
    content = img[y0:y1, x0:x1]
    h, w = content.shape[:2]
    angle = rng.uniform(10, 45) * rng.choice([-1, 1])
    c, s = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    scale = min(w / (w * c + h * s), h / (w * s + h * c)) if rng.random() < 0.5 else 1.0
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    out = img.copy()
    out[y0:y1, x0:x1] = cv2.warpAffine(content, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    return out


def paste_on_real(img, boxes, background, rng):
    """The banana photo shrunk to 35-80% of the frame and pasted onto a real banana-free photo at a
    random place: bananas in shops and kitchens. Returns (picture, boxes)."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = content_box(img)
    photo = img[y0:y1, x0:x1]
    s = rng.uniform(0.35, 0.8) * min(W / photo.shape[1], H / photo.shape[0])
    w, h = max(8, int(photo.shape[1] * s)), max(8, int(photo.shape[0] * s))
    ox, oy = int(rng.integers(0, W - w + 1)), int(rng.integers(0, H - h + 1))
    out = background.copy()
    out[oy:oy + h, ox:ox + w] = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA)
    b = (boxes - np.array([x0, y0, x0, y0], np.float32)) * s + np.array([ox, oy, ox, oy], np.float32)
    return out, b.astype(np.float32)


def add_real(x_uint8, boxes, pool, rng, real_frac, paste_prob, cut_outs=None, cutout_prob=0.0, rotate_prob=0.0):
    """Replace a real_frac share of the batch with real negatives (hard ones more often, some zoomed
    onto false boxes), a cutout_prob share with cut-out bananas pasted onto real negatives (some
    zoomed onto a false box, so that a banana sits next to what the detector confuses with one) and
    paste a paste_prob share of the banana photos onto real negatives."""
    if pool is None or (real_frac <= 0 and paste_prob <= 0 and cutout_prob <= 0):
        return x_uint8, boxes
    x = x_uint8.numpy().copy()
    boxes = list(boxes)
    for i in range(len(x)):
        r = rng.random()
        if r < real_frac:
            x[i], boxes[i] = pool.sample(rng, rotate_prob=rotate_prob), np.zeros((0, 4), np.float32)
        elif cut_outs and r < real_frac + cutout_prob:
            x[i], boxes[i] = cutouts.paste(pool.sample(rng, zoom_prob=0.3), cut_outs, rng)
        elif rng.random() < paste_prob:
            x[i], boxes[i] = paste_on_real(x[i], boxes[i], pool.sample(rng, zoom_prob=0.0), rng)
    return torch.from_numpy(x), boxes


def _conv_bn_pairs(model):
    """conv -> the BatchNorm right after it in the same Sequential (conv_bn blocks)."""
    pairs = {}
    for seq in model.modules():
        if isinstance(seq, nn.Sequential):
            kids = list(seq)
            for a, b in zip(kids, kids[1:]):
                if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                    pairs[a] = b
    return pairs


@torch.no_grad()
def init_detector_from_onnx(model, path, x_uint8, card):
    """Load the weights of an exported detector. The export folds each BatchNorm into its conv; each
    BatchNorm is rebuilt around the folded conv with running statistics measured on training
    pictures and gamma/beta chosen so that the eval-mode output is exactly the folded conv's
    (gamma = sqrt(var + eps), beta = mean + folded bias). ONNX convs are in execution order, which
    forward hooks give for the modules."""
    g = onnx.load(path).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
    convs = [(inits[n.input[1]], inits[n.input[2]]) for n in g.node if n.op_type == "Conv"]
    order = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in model.modules()
             if isinstance(m, nn.Conv2d)]
    model.eval()
    model(normalize(torch.from_numpy(x_uint8[:1]), card))
    for h in hooks:
        h.remove()
    assert len(order) == len(convs), f"ONNX has {len(convs)} convs, the network {len(order)}"
    pairs = _conv_bn_pairs(model)
    stats, bias_of = {}, {}
    for m, (w, b) in zip(order, convs):
        assert m.weight.shape == w.shape, f"conv shape {tuple(m.weight.shape)} != ONNX {tuple(w.shape)}"
        m.weight.copy_(w)
        if m in pairs:
            bn = pairs[m]
            bn.running_mean.zero_(), bn.running_var.fill_(1.0)
            bn.weight.fill_(float(np.sqrt(1.0 + bn.eps))), bn.bias.copy_(b)
            bias_of[bn] = b
        else:
            m.bias.copy_(b)
    hooks = [bn.register_forward_hook(lambda m, i, o: stats.__setitem__(m, i[0])) for bn in bias_of]
    model(normalize(torch.from_numpy(x_uint8[:256]), card))
    for h in hooks:
        h.remove()
    for bn, b in bias_of.items():
        mean, var = stats[bn].mean(dim=(0, 2, 3)), stats[bn].var(dim=(0, 2, 3), unbiased=False)
        bn.running_mean.copy_(mean), bn.running_var.copy_(var)
        bn.weight.copy_(torch.sqrt(var + bn.eps)), bn.bias.copy_(mean + b)

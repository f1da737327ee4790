"""Shared helpers for training: seeds, dataset paths, the preprocessing the model cards describe."""
import csv
import hashlib
import json
import os
import random

import numpy as np
import torch
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(HERE, ".."))
DEFAULT_DATA = os.path.normpath(os.path.join(MODELS_DIR, "..", "..", "shared", "data", "banana-ripening"))
RUNS_DIR = os.path.join(HERE, "runs")


def load_card(name):
    with open(os.path.join(MODELS_DIR, f"{name}.json")) as f:
        return json.load(f)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def read_splits(data_dir):
    with open(os.path.join(data_dir, "splits.csv")) as f:
        return {row["file"]: row["split"] for row in csv.DictReader(f)}


def open_rgb(path):
    """Decode like the services do: EXIF orientation first, then RGB."""
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def letterbox(img, width, height, pad_value):
    """Model-card letterbox: uniform scale, centred, floor offsets. Returns (array HWC uint8, scale, dx, dy)."""
    w, h = img.size
    scale = min(width / w, height / h)
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = Image.new("RGB", (width, height), tuple(pad_value))
    dx, dy = (width - rw) // 2, (height - rh) // 2
    canvas.paste(img.resize((rw, rh), Image.BILINEAR), (dx, dy))
    return np.asarray(canvas), scale, dx, dy


def pad_to_square(img, pad_value):
    w, h = img.size
    side = max(w, h)
    canvas = Image.new("RGB", (side, side), tuple(pad_value))
    canvas.paste(img, ((side - w) // 2, (side - h) // 2))
    return canvas


def crop_for_classifier(img, box, card):
    """box = (x0, y0, x1, y1) in pixels; crop (clamped), pad to square, resize: as the services do."""
    w, h = img.size
    x0, y0 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x1, y1 = min(w, int(round(box[2]))), min(h, int(round(box[3])))
    crop = img.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)))
    inp = card["input"]
    square = pad_to_square(crop, inp["resize"]["pad_value"])
    return np.asarray(square.resize((inp["width"], inp["height"]), Image.BILINEAR))


def normalize(batch_uint8_nhwc, card):
    """uint8 NHWC tensor -> float NCHW per the card."""
    norm = card["input"]["normalization"]
    x = batch_uint8_nhwc.permute(0, 3, 1, 2).float() * norm["scale"]
    mean = torch.tensor(norm["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(norm["std"]).view(1, 3, 1, 1)
    return (x - mean) / std


class EMA:
    """Exponential moving average of weights (ramped decay, as in YOLOv5)."""

    def __init__(self, model, decay=0.999, tau=500):
        import copy
        import math

        self.model = copy.deepcopy(model).eval()
        self.updates = 0
        self.decay = lambda n: decay * (1 - math.exp(-n / tau))
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay(self.updates)
        msd = model.state_dict()
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)
            else:
                v.copy_(msd[k])


def cached_arrays(name, data_dir, card, build):
    """build(data_dir, card) -> dict of arrays, kept in runs/<name>_cache_<key>.npz. The key covers
    the dataset folder, the card's input and its classes: another --data or input never reuses it."""
    identity = json.dumps([os.path.abspath(data_dir), card["input"], card.get("classes")], sort_keys=True)
    path = os.path.join(RUNS_DIR, f"{name}_cache_{hashlib.sha1(identity.encode()).hexdigest()[:12]}.npz")
    if os.path.exists(path):
        d = np.load(path, allow_pickle=True)
        return {k: d[k] for k in d.files}
    out = build(data_dir, card)
    os.makedirs(RUNS_DIR, exist_ok=True)
    np.savez(path, **out)
    return out


def model_args(name, description=None):
    """The options of every script that reads a dataset or a run: --run-dir, --data, --threads."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--run-dir", default=os.path.join(RUNS_DIR, name), help="where best.pt, log.txt, metrics.json go")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dataset folder (layout of ../shared/data/banana-ripening)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    return ap


def training_args(name, epochs, batch, extra=None):
    """Command-line options every trainer takes; defaults reproduce the shipped model."""
    ap = model_args(name)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    if extra:
        extra(ap)
    return ap.parse_args()


def adamw(model, lr, weight_decay=0.05):
    """AdamW without weight decay on biases and BatchNorm parameters."""
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0}], lr=lr)


def log(msg, path=None):
    print(msg, flush=True)
    if path:
        with open(path, "a") as f:
            f.write(msg + "\n")

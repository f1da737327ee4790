"""Train the YOLO-style banana detector.

  /usr/bin/python3 models/training/train_detector.py [--data ../shared/data/banana-ripening] [--epochs 12]

Data: detect/images + detect/labels (YOLO txt, one class), split by splits.csv. Images are letterboxed to the
model card's input size once and cached in memory; augmentation (mosaic, scale/shift, flips, light/colour
jitter) runs on whole batches as tensor ops, which is what makes CPU training fit in an hour.
Writes models/training/runs/detector/{best.pt,log.txt,metrics.json}.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EMA, adamw, cached_arrays, letterbox, load_card, log, normalize, open_rgb, read_splits, seed_everything, training_args  # noqa: E402
from detection_metrics import detection_report  # noqa: E402
from nets import detector_for  # noqa: E402
import cutouts  # noqa: E402
import negatives  # noqa: E402
import realworld_training  # noqa: E402

PAD = 114.0


def read_yolo(image_path, label_path, card):
    """A photo letterboxed to the card's input and its YOLO boxes (class ignored) in that picture."""
    inp = card["input"]
    img = open_rgb(image_path)
    w, h = img.size
    x, scale, dx, dy = letterbox(img, inp["width"], inp["height"], inp["resize"]["pad_value"])
    rows = np.loadtxt(label_path, ndmin=2) if os.path.getsize(label_path) else np.zeros((0, 5))
    b = np.zeros((len(rows), 4), dtype=np.float32)
    if len(rows):
        cx, cy, bw, bh = rows[:, 1] * w, rows[:, 2] * h, rows[:, 3] * w, rows[:, 4] * h
        b[:, 0], b[:, 1] = (cx - bw / 2) * scale + dx, (cy - bh / 2) * scale + dy
        b[:, 2], b[:, 3] = (cx + bw / 2) * scale + dx, (cy + bh / 2) * scale + dy
    return x, b


def real_positives(folder, card, repeat):
    """A YOLO folder (images/, labels/) of real banana photos from another licensed source, letterboxed,
    each photo repeated `repeat` times so that a small set weighs in the epoch."""
    names = sorted(f for f in os.listdir(os.path.join(folder, "images")) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    xs, bs = [], []
    for f in names:
        x, b = read_yolo(os.path.join(folder, "images", f),
                         os.path.join(folder, "labels", os.path.splitext(f)[0] + ".txt"), card)
        xs.append(x), bs.append(b)
    return np.repeat(np.stack(xs), repeat, axis=0), [b for b in bs for _ in range(repeat)]


def build_cache(data_dir, card):
    """Every split's images at the model's input size, with their labels (cached by cached_arrays)."""
    inp = card["input"]
    W, H, pad = inp["width"], inp["height"], inp["resize"]["pad_value"]
    splits = read_splits(data_dir)
    out = {}
    t = time.time()
    for split in ("train", "val"):
        names = sorted(f for f, s in splits.items() if s == split and f.startswith("detect/images/"))
        imgs = np.zeros((len(names), H, W, 3), dtype=np.uint8)
        boxes = []
        for i, rel in enumerate(names):
            label = os.path.join(data_dir, "detect", "labels", os.path.splitext(os.path.basename(rel))[0] + ".txt")
            imgs[i], b = read_yolo(os.path.join(data_dir, rel), label, card)
            boxes.append(b)
        out[f"x_{split}"] = imgs
        obj = np.empty(len(boxes), dtype=object)
        obj[:] = boxes
        out[f"b_{split}"] = obj
    print(f"cache built in {time.time() - t:.0f}s: {len(out['x_train'])} train, {len(out['x_val'])} val", flush=True)
    return out


def mosaic(x, boxes, rng):
    """2x2 mosaic of four images at half scale: more, smaller bananas per picture."""
    n, _, H, W = x.shape
    small = F.avg_pool2d(x, 2)
    out = torch.empty_like(x)
    new_boxes = []
    for i in range(n):
        picks = [i] + list(rng.integers(0, n, 3))
        bs = []
        for q, j in enumerate(picks):
            ox, oy = (q % 2) * (W // 2), (q // 2) * (H // 2)
            out[i, :, oy:oy + H // 2, ox:ox + W // 2] = small[j]
            b = boxes[j] / 2
            bs.append(b + np.array([ox, oy, ox, oy], dtype=np.float32))
        new_boxes.append(np.concatenate(bs))
    return out, new_boxes


def add_negatives(x_uint8, boxes, negs, rng, neg_frac, paste_prob, rotate_prob=0.0):
    """Replace a neg_frac share of the batch with composed pictures without bananas (empty targets), a
    rotate_prob share of those turned in their frame with black corners, and paste other objects as
    distractors onto a paste_prob share of the banana photos."""
    if not negs or (neg_frac <= 0 and paste_prob <= 0):
        return x_uint8, boxes
    x = x_uint8.numpy().copy()
    boxes = list(boxes)
    n, H, W, _ = x.shape
    for i in range(n):
        if rng.random() < neg_frac:
            x[i] = negatives.compose_negative(negs, H, W, rng)
            if rotate_prob > 0 and rng.random() < rotate_prob:
                x[i] = realworld_training.rotated_in_frame(x[i], rng)
            boxes[i] = np.zeros((0, 4), dtype=np.float32)
        elif rng.random() < paste_prob:
            negatives.paste_distractors(x[i], boxes[i], negs, rng)
    return torch.from_numpy(x), boxes


def augment(x_uint8, boxes, rng, scale=(0.6, 1.5)):
    x = x_uint8.permute(0, 3, 1, 2).float()
    n, _, H, W = x.shape
    boxes = [b.copy() for b in boxes]
    if rng.random() < 0.5:
        x, boxes = mosaic(x, boxes, rng)
    # random scale + shift (per image), box maths mirrors the sampling grid
    s = rng.uniform(scale[0], scale[1], n).astype(np.float32)
    t = rng.uniform(-0.2, 0.2, (n, 2)).astype(np.float32)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.from_numpy(1 / s)
    theta[:, 1, 1] = torch.from_numpy(1 / s)
    theta[:, :, 2] = torch.from_numpy(-t * 2 / s[:, None])
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x - PAD, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + PAD
    out_boxes = []
    for i in range(n):
        b = boxes[i]
        c = np.array([W / 2, H / 2, W / 2, H / 2], dtype=np.float32)
        shift = np.array([t[i, 0] * W, t[i, 1] * H] * 2, dtype=np.float32)
        b = (b - c) * s[i] + c + shift
        area0 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        b = np.clip(b, 0, [W, H, W, H])
        area1 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        keep = (area1 > 0.35 * np.maximum(area0, 1e-6)) & (b[:, 2] - b[:, 0] > 3) & (b[:, 3] - b[:, 1] > 3)
        out_boxes.append(b[keep])
    if rng.random() < 0.5:
        x = x.flip(3)
        out_boxes = [np.stack([W - b[:, 2], b[:, 1], W - b[:, 0], b[:, 3]], 1) if len(b) else b for b in out_boxes]
    if rng.random() < 0.3:
        x = x.flip(2)
        out_boxes = [np.stack([b[:, 0], H - b[:, 3], b[:, 2], H - b[:, 1]], 1) if len(b) else b for b in out_boxes]
    bright = torch.from_numpy(rng.uniform(0.7, 1.3, (n, 1, 1, 1)).astype(np.float32))
    contrast = torch.from_numpy(rng.uniform(0.7, 1.3, (n, 1, 1, 1)).astype(np.float32))
    sat = torch.from_numpy(rng.uniform(0.6, 1.4, (n, 1, 1, 1)).astype(np.float32))
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean * bright
    gray = x.mean(dim=1, keepdim=True)
    x = gray + (x - gray) * sat
    return x.clamp(0, 255).round().permute(0, 2, 3, 1), out_boxes


def grids(card):
    """Cell centres and strides for every output row, in the card's order."""
    cells, strides, gxy = [], [], []
    for lv in card["output"]["levels"]:
        s, gw, gh = lv["stride"], lv["grid_width"], lv["grid_height"]
        gy, gx = torch.meshgrid(torch.arange(gh), torch.arange(gw), indexing="ij")
        g = torch.stack([gx.flatten(), gy.flatten()], 1).float()
        gxy.append(g)
        cells.append((g + 0.5) * s)
        strides.append(torch.full((gw * gh,), float(s)))
    return torch.cat(gxy), torch.cat(cells), torch.cat(strides)


def decode(raw, gxy, strides):
    s = strides[None, :, None]
    cxy = (gxy[None] + raw[..., 0:2]) * s
    wh = torch.exp(raw[..., 2:4].clamp(max=8.0)) * s
    return torch.cat([cxy - wh / 2, cxy + wh / 2], -1), raw[..., 4]


def size_ranges(strides):
    """Per cell, the longest box sides its level learns with --size-ranges: [2*stride, 8*stride],
    open below for the finest level and above for the coarsest, so that each box is learnt by the
    one or two levels whose cells see it whole (16: up to 128 px, 32: 64-256, 64: from 128)."""
    levels = sorted(set(strides.tolist()))
    lo = torch.where(strides == levels[0], torch.zeros_like(strides), 2 * strides)
    hi = torch.where(strides == levels[-1], torch.full_like(strides, float("inf")), 8 * strides)
    return lo, hi


def assign(boxes, centers, strides, radius=2.5, ranges=None):
    """Centre sampling: a cell is positive for a box when its centre lies inside the box and within
    radius*stride of the box centre (and, with `ranges`, the box's longest side lies in its level's
    range); ties go to the smallest box. Returns matched box index per cell (-1 = none)."""
    if len(boxes) == 0:
        return torch.full((len(centers),), -1, dtype=torch.long)
    b = torch.from_numpy(boxes).float()
    cx, cy = centers[:, 0:1], centers[:, 1:2]
    inside = (cx > b[:, 0]) & (cx < b[:, 2]) & (cy > b[:, 1]) & (cy < b[:, 3])
    bc = (b[:, :2] + b[:, 2:]) / 2
    r = radius * strides[:, None]
    near = ((cx - bc[:, 0]).abs() < r) & ((cy - bc[:, 1]).abs() < r)
    ok = inside & near
    if ranges is not None:
        side = torch.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])[None]
        ok = ok & (side >= ranges[0][:, None]) & (side <= ranges[1][:, None])
    area = ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None].expand_as(ok)
    cost = torch.where(ok, area, torch.full_like(area, float("inf")))
    best, idx = cost.min(1)
    idx[torch.isinf(best)] = -1
    return idx


def loss_fn(raw, boxes, gxy, centers, strides, ranges=None):
    pred_boxes, obj = decode(raw, gxy, strides)
    obj_target = torch.zeros_like(obj)
    box_losses = []
    for i, b in enumerate(boxes):
        idx = assign(b, centers, strides, ranges=ranges)
        pos = idx >= 0
        if pos.any():
            gt = torch.from_numpy(b).float()[idx[pos]]
            giou = torchvision.ops.generalized_box_iou(pred_boxes[i, pos], gt).diagonal()
            iou = torchvision.ops.box_iou(pred_boxes[i, pos], gt).diagonal()
            box_losses.append(1 - giou)
            obj_target[i, pos] = iou.detach().clamp(0)
    n_pos = max(1, sum(len(x) for x in box_losses))
    l_box = torch.cat(box_losses).sum() / n_pos if box_losses else raw.sum() * 0
    l_obj = F.binary_cross_entropy_with_logits(obj, obj_target, reduction="sum") / n_pos
    return 5.0 * l_box + l_obj, l_box.item(), l_obj.item()


@torch.no_grad()
def predict(model, x, card, gxy, strides, conf=0.001, iou=None, max_det=100, batch=64):
    iou = iou if iou is not None else card["thresholds"]["iou"]
    model.eval()
    preds = []
    for i in range(0, len(x), batch):
        raw = model(normalize(torch.from_numpy(x[i:i + batch]), card))
        bxs, logit = decode(raw, gxy, strides)
        score = torch.sigmoid(logit)
        for k in range(len(raw)):
            keep = score[k] >= conf
            b, sc = bxs[k][keep], score[k][keep]
            order = torchvision.ops.nms(b, sc, iou)[:max_det]
            preds.append((b[order].numpy(), sc[order].numpy()))
    return preds


def extra_args(ap):
    ap.add_argument("--limit", type=int, default=0, help="use only the first N train images (smoke tests)")
    ap.add_argument("--negatives", default=None,
                    help="folder with train/ and heldout/ photos without bananas (models/README.md); default none")
    ap.add_argument("--neg-frac", type=float, default=0.0, help="share of each batch replaced by negative pictures")
    ap.add_argument("--paste-prob", type=float, default=0.0,
                    help="probability of pasting negative objects as distractors onto a banana photo")
    ap.add_argument("--scale-min", type=float, default=0.6, help="random scale augmentation, lower bound")
    ap.add_argument("--scale-max", type=float, default=1.5, help="random scale augmentation, upper bound (zoom-in)")
    ap.add_argument("--size-ranges", action="store_true",
                    help="each level learns only boxes of its size range (size_ranges); default: every level every box")
    ap.add_argument("--init-onnx", default=None, help="continue training from the weights of this detector ONNX")
    ap.add_argument("--real-negatives", action="append", default=[],
                    help="folder of banana-free real photos from a training source (repeatable); "
                         "models/data/fetch_realworld.py train/ sets only")
    ap.add_argument("--real-tune", default=None,
                    help="folder of banana-free real photos for tuning (not trained on): its negative rate is "
                         "logged and, with --real-negatives, enters the choice of the best epoch")
    ap.add_argument("--real-frac", type=float, default=0.0,
                    help="share of each batch replaced by real negatives (hard ones 4x as likely, half of those "
                         "zoomed onto a false box)")
    ap.add_argument("--paste-real-prob", type=float, default=0.0,
                    help="probability of pasting a banana photo, shrunk, onto a real negative")
    ap.add_argument("--real-positives", action="append", default=[],
                    help="YOLO folder (images/, labels/) of real banana photos from another licensed training source, "
                         "added to the train photos (repeatable)")
    ap.add_argument("--real-positives-repeat", type=int, default=1, help="times each real positive photo is added")
    ap.add_argument("--cutout-prob", type=float, default=0.0,
                    help="share of each batch replaced by bananas cut out of the training photos and pasted onto "
                         "real negatives (cutouts.py; needs --real-negatives)")
    ap.add_argument("--rotate-neg-prob", type=float, default=0.0,
                    help="share of the negative pictures turned 10-45 degrees in their frame with black corners, as "
                         "22%% of the training photos (all with bananas) were exported")
    ap.add_argument("--mine-every", type=int, default=2, help="re-mine hard negatives every N epochs")
    ap.add_argument("--mine-conf", type=float, default=0.2, help="false boxes from this score on are mined")


def validate(model, data, card, gxy, strides, x_heldout, x_tune):
    """Val detection report (+ negative rates of the held-out and tuning negatives)."""
    conf = card["thresholds"]["confidence"]
    rep = detection_report(predict(model, data["x_val"], card, gxy, strides), [b for b in data["b_val"]], conf)
    msg = (f" val_map50 {rep['map50']:.4f} val_map50_95 {rep['map50_95']:.4f}"
           f" P {rep['precision']:.4f} R {rep['recall']:.4f}")
    for name, x in (("negative_rate", x_heldout), ("tune_negative_rate", x_tune)):
        if x is not None:
            rep[name] = negatives.negative_rate(predict(model, x, card, gxy, strides), conf)
            msg += f" {name.replace('negative_rate', 'neg_rate')} {rep[name]:.4f}"
    return rep, msg


def selection_score(rep):
    """Best epoch: val mAP@0.5, less the tuning negatives' rate when there is one (a box on 1% more
    banana-free photos costs as much as 0.01 of mAP)."""
    return rep["map50"] - rep.get("tune_negative_rate", 0.0)


def setup(args, card, data, x_train):
    """Model (from scratch or --init-onnx), the negative pools and the held-out / tuning sets."""
    model = detector_for(card)
    if args.init_onnx:
        realworld_training.init_detector_from_onnx(model, args.init_onnx, x_train, card)
    negs, x_heldout = [], None
    if args.negatives:
        negs = negatives.load_images(os.path.join(args.negatives, "train"))
        x_heldout = negatives.letterboxed(os.path.join(args.negatives, "heldout"), card)
    pool = realworld_training.RealNegatives(args.real_negatives, card) if args.real_negatives else None
    x_tune = realworld_training.letterboxed_pool([args.real_tune], card) if args.real_tune else None
    return model, negs, x_heldout, pool, x_tune


def main():
    args = training_args("detector", epochs=12, batch=16, extra=extra_args)
    seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(args.threads)
    card = load_card("detector")
    out_dir = args.run_dir
    os.makedirs(out_dir, exist_ok=True)
    log_path = os.path.join(out_dir, "log.txt")
    open(log_path, "w").close()
    data = cached_arrays("detector", args.data, card, build_cache)
    x_train, b_train = data["x_train"], list(data["b_train"])
    if args.limit:
        x_train, b_train = x_train[:args.limit], b_train[:args.limit]
    cut_outs = None  # from the dataset's photos only
    if args.cutout_prob > 0:
        cut_outs = cutouts.build(x_train, b_train, f"{os.path.abspath(args.data)} {json.dumps(card['input'])} {len(x_train)}")
    n_real_pos = 0
    for folder in args.real_positives:
        xp, bp = real_positives(folder, card, args.real_positives_repeat)
        x_train, b_train, n_real_pos = np.concatenate([x_train, xp]), b_train + bp, n_real_pos + len(xp)
    x_train_t = torch.from_numpy(x_train)
    model, negs, x_heldout, pool, x_tune = setup(args, card, data, x_train)
    gxy, centers, strides = grids(card)
    ranges = size_ranges(strides) if args.size_ranges else None
    ema = EMA(model, decay=0.999, tau=500)
    if args.init_onnx:
        ema.updates = 10 * 500  # continued training: the average starts at full decay, anchored at the shipped weights
    opt = adamw(model, args.lr)
    steps = len(x_train) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps * args.epochs, pct_start=0.08)
    log(f"train {len(x_train)} val {len(data['x_val'])} input {card['input']['width']} epochs {args.epochs}"
        f" negatives train {len(negs)} heldout {0 if x_heldout is None else len(x_heldout)}"
        f" neg_frac {args.neg_frac} paste_prob {args.paste_prob} scale {args.scale_min}-{args.scale_max}"
        f" levels {[int(s) for s in sorted(set(strides.tolist()))]} size_ranges {args.size_ranges}"
        f" real negatives {0 if pool is None else len(pool.x)} tune {0 if x_tune is None else len(x_tune)}"
        f" real_frac {args.real_frac} paste_real_prob {args.paste_real_prob}"
        f" real positives {n_real_pos} cut-outs {0 if cut_outs is None else len(cut_outs)} cutout_prob {args.cutout_prob} init {args.init_onnx}", log_path)
    if args.init_onnx:
        log("init:" + validate(ema.model, data, card, gxy, strides, x_heldout, x_tune)[1], log_path)
    best, start = -1e9, time.time()
    for epoch in range(1, args.epochs + 1):
        if pool is not None and (epoch - 1) % args.mine_every == 0:
            hard = pool.mine(lambda x: predict(ema.model, x, card, gxy, strides, conf=args.mine_conf), args.mine_conf)
            log(f"mined: {hard:.4f} of {len(pool.x)} real negatives with a box >= {args.mine_conf}", log_path)
        model.train()
        perm = rng.permutation(len(x_train))
        t0, lb, lo = time.time(), 0.0, 0.0
        for s in range(steps):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb, bb = add_negatives(x_train_t[idx], [b_train[i] for i in idx], negs, rng, args.neg_frac,
                                   args.paste_prob, args.rotate_neg_prob)
            xb, bb = realworld_training.add_real(xb, bb, pool, rng, args.real_frac, args.paste_real_prob,
                                                 cut_outs, args.cutout_prob, args.rotate_neg_prob)
            xb, bb = augment(xb, bb, rng, (args.scale_min, args.scale_max))
            raw = model(normalize(xb, card))
            loss, l_box, l_obj = loss_fn(raw, bb, gxy, centers, strides, ranges)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            sched.step()
            ema.update(model)
            lb, lo = lb + l_box, lo + l_obj
        msg = f"epoch {epoch}/{args.epochs} box {lb / steps:.4f} obj {lo / steps:.4f} train_s {time.time() - t0:.0f}"
        if epoch % 2 == 0 or epoch > args.epochs - 4:
            rep, text = validate(ema.model, data, card, gxy, strides, x_heldout, x_tune)
            msg += text
            torch.save({"model": ema.model.state_dict(), "epoch": epoch}, os.path.join(out_dir, f"epoch{epoch}.pt"))
            if selection_score(rep) > best:
                best = selection_score(rep)
                torch.save({"model": ema.model.state_dict(), "epoch": epoch}, os.path.join(out_dir, "best.pt"))
                with open(os.path.join(out_dir, "metrics.json"), "w") as f:
                    json.dump({"epoch": epoch, **rep, "train_images": len(x_train), "val_images": len(data["x_val"]),
                               "epochs": args.epochs, "seed": args.seed}, f, indent=1)
        log(msg, log_path)
    log(f"done in {(time.time() - start) / 60:.1f} min, best selection score {best:.4f}", log_path)


if __name__ == "__main__":
    main()

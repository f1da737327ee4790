"""Train the AlexNet-style ripeness classifier.

  /usr/bin/python3 models/training/train_classifier.py [--data ../shared/data/banana-ripening] [--epochs 16]

Options beyond the defaults (which reproduce classifier 1.0.0):
  --neighbour-smoothing E  ordinal targets: the label-smoothing mass E goes to the adjacent stages
                           only (the stages are ordered, so a neighbour is a smaller mistake than a
                           far stage), instead of spreading uniformly over all six
  --distance-weight W      add W * the expected distance in stages between prediction and truth
                           to the loss: a far stage costs more than a neighbour
  --init-onnx F            start from the weights of a shipped classifier ONNX (continued training)

Data: classify/<stage>/*.jpg train crops plus extra crops cut from detect/images train photos with
detect/source_boxes.csv (in_detect_labels = 1, no existing crop). Validation: the classify/ val crops.
Writes models/training/runs/classifier/{best.pt,log.txt,metrics.json}.
"""
import csv
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EMA, adamw, cached_arrays, crop_for_classifier, load_card, log, normalize, open_rgb, read_splits, seed_everything, training_args  # noqa: E402
from nets import BananaAlexNet  # noqa: E402


def build_cache(data_dir, card):
    """Every split's images at the model's input size, with their labels (cached by cached_arrays)."""
    classes = card["classes"]
    splits = read_splits(data_dir)
    xs = {"train": [], "val": []}
    ys = {"train": [], "val": []}
    t = time.time()
    for ci, stage in enumerate(classes):
        folder = os.path.join(data_dir, "classify", stage)
        for name in sorted(os.listdir(folder)):
            rel = f"classify/{stage}/{name}"
            split = splits[rel]
            img = open_rgb(os.path.join(data_dir, rel))
            xs[split].append(crop_for_classifier(img, (0, 0, img.size[0], img.size[1]), card))
            ys[split].append(ci)
    n_crops = len(ys["train"])
    with open(os.path.join(data_dir, "detect", "source_boxes.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["in_detect_labels"] == "1" and not r["classify_crop"]]
    by_image = {}
    for r in rows:
        if splits.get(r["staged_image"]) == "train":
            by_image.setdefault(r["staged_image"], []).append(r)
    for rel in sorted(by_image):
        img = open_rgb(os.path.join(data_dir, rel))
        w, h = img.size
        for r in by_image[rel]:
            cx, cy, bw, bh = (float(r[k]) for k in ("cx", "cy", "w", "h"))
            box = ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
            xs["train"].append(crop_for_classifier(img, box, card))
            ys["train"].append(classes.index(r["target_stage"]))
    out = {
        "x_train": np.stack(xs["train"]), "y_train": np.array(ys["train"], dtype=np.int64),
        "x_val": np.stack(xs["val"]), "y_val": np.array(ys["val"], dtype=np.int64),
        "n_train_crops": np.array(n_crops),
    }
    print(f"cache built in {time.time() - t:.0f}s: {len(out['y_train'])} train ({n_crops} crops + "
          f"{len(out['y_train']) - n_crops} cut from photos), {len(out['y_val'])} val", flush=True)
    return out


def augment(x):
    """x: uint8 NHWC batch. Geometry (flips, 90-degree turns, small scale/shift) and light/contrast/saturation.
    No hue change: colour is what ripeness is."""
    x = x.permute(0, 3, 1, 2).float()
    n = x.shape[0]
    if torch.rand(1) < 0.5:
        x = x.flip(3)
    if torch.rand(1) < 0.5:
        x = x.flip(2)
    k = int(torch.randint(0, 4, (1,)))
    x = torch.rot90(x, k, (2, 3))
    scale = 1 + (torch.rand(n) - 0.5) * 0.25
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, :, 2] = (torch.rand(n, 2) - 0.5) * 0.15
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x - 114, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 114
    bright = 1 + (torch.rand(n, 1, 1, 1) - 0.5) * 0.4
    contrast = 1 + (torch.rand(n, 1, 1, 1) - 0.5) * 0.4
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean * bright
    gray = x.mean(dim=1, keepdim=True)
    sat = 1 + (torch.rand(n, 1, 1, 1) - 0.5) * 0.4
    x = gray + (x - gray) * sat
    return x.clamp(0, 255).round().permute(0, 2, 3, 1)


def neighbour_targets(y, k, eps):
    """Soft targets: 1 - eps on the true stage, eps shared by its neighbours (all of it to the one
    neighbour at either end of the scale)."""
    t = torch.zeros(len(y), k)
    t[torch.arange(len(y)), y] = 1 - eps
    lo, hi = (y - 1).clamp(min=0), (y + 1).clamp(max=k - 1)
    has_lo, has_hi = (y > 0).float(), (y < k - 1).float()
    share = eps / (has_lo + has_hi)
    t[torch.arange(len(y)), lo] += share * has_lo
    t[torch.arange(len(y)), hi] += share * has_hi
    return t


def classifier_loss(logits, y, args):
    if args.neighbour_smoothing > 0:
        t = neighbour_targets(y, logits.shape[1], args.neighbour_smoothing)
        loss = -(t * F.log_softmax(logits, 1)).sum(1).mean()
    else:
        loss = F.cross_entropy(logits, y, label_smoothing=0.1)
    if args.distance_weight > 0:
        # expected distance in stages between the prediction and the truth: a far stage costs more
        stages = torch.arange(logits.shape[1], dtype=logits.dtype)
        dist = (stages.view(1, -1) - y.view(-1, 1).to(logits.dtype)).abs()
        loss = loss + args.distance_weight * (F.softmax(logits, 1) * dist).sum(1).mean()
    return loss


@torch.no_grad()
def init_from_onnx(model, path, x_train, card, n_batches=20, batch=128):
    """Load the weights of an exported classifier. The export folds each BatchNorm into its conv
    (weight and bias), so each BatchNorm is rebuilt around the folded conv: running statistics
    are measured on training crops and gamma/beta set so that the eval-mode output is exactly the
    folded conv's (gamma = sqrt(var + eps), beta = mean + folded bias), while train-mode batch
    statistics start close to the running ones."""
    import onnx
    from onnx import numpy_helper

    g = onnx.load(path).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
    convs = [(inits[n.input[1]], inits[n.input[2]]) for n in g.node if n.op_type == "Conv"]
    gemms = [(inits[n.input[1]], inits[n.input[2]]) for n in g.node if n.op_type == "Gemm"]
    conv_mods = [m for m in model.features if isinstance(m, nn.Conv2d)]
    bn_mods = [m for m in model.features if isinstance(m, nn.BatchNorm2d)]
    lin_mods = [m for m in model.classifier if isinstance(m, nn.Linear)]
    assert len(convs) == len(conv_mods) and len(gemms) == len(lin_mods), "ONNX does not match the network"
    for m, (w, _) in zip(conv_mods, convs):
        m.weight.copy_(w)
    for m, (w, b) in zip(lin_mods, gemms):
        m.weight.copy_(w)
        m.bias.copy_(b)
    # measure the pre-BatchNorm statistics layer by layer, from the first conv on
    idx = torch.randperm(len(x_train))[:n_batches * batch]
    x = normalize(x_train[idx], card)
    layers = list(model.features)
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.BatchNorm2d):
            bias = convs[bn_mods.index(layer)][1]
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            layer.running_mean.copy_(mean)
            layer.running_var.copy_(var)
            layer.weight.copy_(torch.sqrt(var + layer.eps))
            layer.bias.copy_(mean + bias)
        layer.eval()
        x = layer(x)


@torch.no_grad()
def evaluate(model, x, y, card, batch=256):
    model.eval()
    preds = []
    for i in range(0, len(x), batch):
        xb = normalize(torch.from_numpy(x[i:i + batch]), card)
        preds.append(model(xb).argmax(1))
    pred = torch.cat(preds).numpy()
    k = len(card["classes"])
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y, pred):
        cm[t, p] += 1
    top1 = float(np.trace(cm) / cm.sum())
    within1 = float(sum(cm[i, j] for i in range(k) for j in range(k) if abs(i - j) <= 1) / cm.sum())
    return top1, within1, cm


def main():
    def extra(ap):
        ap.add_argument("--neighbour-smoothing", type=float, default=0.0,
                        help="ordinal label smoothing to adjacent stages (0: uniform smoothing 0.1)")
        ap.add_argument("--distance-weight", type=float, default=0.0,
                        help="weight of the expected stage-distance penalty added to the loss (0: none)")
        ap.add_argument("--init-onnx", default=None, help="start from the weights of this classifier ONNX")
        ap.add_argument("--ema-decay", type=float, default=0.998)

    args = training_args("classifier", epochs=16, batch=64, extra=extra)
    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    card = load_card("classifier")
    out_dir = args.run_dir
    os.makedirs(out_dir, exist_ok=True)
    log_path = os.path.join(out_dir, "log.txt")
    open(log_path, "w").close()
    data = cached_arrays("classifier", args.data, card, build_cache)
    x_train, y_train = torch.from_numpy(data["x_train"]), torch.from_numpy(data["y_train"])
    log(f"args {vars(args)}", log_path)
    model = BananaAlexNet(num_classes=len(card["classes"]))
    if args.init_onnx:
        init_from_onnx(model, args.init_onnx, x_train, card)
        top1, within1, _ = evaluate(model, data["x_val"], data["y_val"], card)
        log(f"init from {args.init_onnx}: val_top1 {top1:.4f} val_within1 {within1:.4f}", log_path)
    ema = EMA(model, decay=args.ema_decay, tau=300)
    opt = adamw(model, args.lr)
    steps_per_epoch = (len(y_train) + args.batch - 1) // args.batch
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.1)
    # class-balanced sampling weights: the extra photo crops are skewed towards very_ripe
    counts = torch.bincount(y_train, minlength=len(card["classes"])).float()
    sample_w = (1.0 / counts)[y_train]
    best, start = -1.0, time.time()
    log(f"train {len(y_train)} val {len(data['y_val'])} classes {card['classes']} counts {counts.tolist()}", log_path)
    for epoch in range(1, args.epochs + 1):
        model.train()
        idx = torch.multinomial(sample_w, len(y_train), replacement=True)
        tot_loss, t0 = 0.0, time.time()
        for s in range(steps_per_epoch):
            b = idx[s * args.batch:(s + 1) * args.batch]
            xb = normalize(augment(x_train[b]), card)
            loss = classifier_loss(model(xb), y_train[b], args)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model)
            tot_loss += loss.item()
        top1, within1, cm = evaluate(ema.model, data["x_val"], data["y_val"], card)
        log(f"epoch {epoch}/{args.epochs} loss {tot_loss / steps_per_epoch:.4f} val_top1 {top1:.4f} "
            f"val_within1 {within1:.4f} epoch_s {time.time() - t0:.0f}", log_path)
        if top1 > best:
            best = top1
            torch.save({"model": ema.model.state_dict(), "epoch": epoch}, os.path.join(out_dir, "best.pt"))
            with open(os.path.join(out_dir, "metrics.json"), "w") as f:
                json.dump({"epoch": epoch, "top1": top1, "within_one_stage": within1, "confusion_matrix": cm.tolist(),
                           "train_samples": len(y_train), "train_crops": int(data["n_train_crops"]),
                           "val_samples": len(data["y_val"]), "epochs": args.epochs, "seed": args.seed}, f, indent=1)
    minutes = (time.time() - start) / 60
    log(f"done in {minutes:.1f} min, best val top1 {best:.4f}", log_path)


if __name__ == "__main__":
    main()

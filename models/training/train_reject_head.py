"""Train the classifier's "not a banana" head (nets.WithRejectHead) on frozen classifier features.

  /usr/bin/python3 models/training/train_reject_head.py --init-onnx models/classifier.onnx \
      --false-crops runs/false_boxes_train.npz [--tune-crops runs/false_boxes_tune.npz]

Positives ("not a banana"): crops of the detector's false boxes on banana-free photos of the
training sources (mine_false_boxes.py). Negatives: the classifier's banana training crops. The
convolutional layers and the stage head stay the shipped classifier's (loaded from --init-onnx),
so the six stage logits, top-1 and within-one-stage accuracy are unchanged; only the small head
is trained, on features computed once (plain and flipped / turned copies of every crop).
The threshold is chosen on the val crops (at most --max-val-reject of them rejected) and the
rejection rate of --tune-crops at that threshold is printed.
Writes <run-dir>/best.pt ({"model": WithRejectHead state, "threshold": t}) and metrics.json.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import adamw, cached_arrays, load_card, log, model_args, normalize, seed_everything  # noqa: E402
from nets import BananaAlexNet, WithRejectHead  # noqa: E402
from train_classifier import build_cache, init_from_onnx  # noqa: E402


@torch.no_grad()
def features(model, x_uint8, card, copies=1, batch=256):
    """Frozen features of every crop: the crop itself, then flipped / turned copies."""
    model.eval()
    out = []
    for c in range(copies):
        for i in range(0, len(x_uint8), batch):
            xb = torch.from_numpy(x_uint8[i:i + batch]).permute(0, 3, 1, 2)
            xb = torch.rot90(xb.flip(3) if c % 2 else xb, c // 2, (2, 3)).permute(0, 2, 3, 1)
            out.append(model.features(normalize(xb.contiguous(), card)))
    return torch.cat(out)


def train_head(head, f_pos, f_neg, epochs, lr, rng):
    """Logistic head on features: balanced BCE (each side weighs half)."""
    opt = adamw(head, lr, weight_decay=1e-3)
    x = torch.cat([f_pos, f_neg])
    y = torch.cat([torch.ones(len(f_pos)), torch.zeros(len(f_neg))])
    w = torch.cat([torch.full((len(f_pos),), 0.5 / len(f_pos)), torch.full((len(f_neg),), 0.5 / len(f_neg))])
    for _ in range(epochs):
        perm = torch.from_numpy(rng.permutation(len(x)))
        for i in range(0, len(x), 512):
            b = perm[i:i + 512]
            loss = (F.binary_cross_entropy_with_logits(head(x[b]).squeeze(1), y[b], reduction="none") * w[b]).sum()
            loss = loss * len(x) / len(b)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def main():
    ap = model_args("reject_head", "trains nets.WithRejectHead's reject head on frozen features")
    ap.add_argument("--init-onnx", required=True, help="the shipped classifier ONNX (its weights are kept)")
    ap.add_argument("--false-crops", action="append", required=True, help="mine_false_boxes.py output (repeatable)")
    ap.add_argument("--tune-crops", default=None, help="false-box crops of tuning photos (not trained on)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-val-reject", type=float, default=0.005,
                    help="threshold: the lowest with at most this share of val banana crops rejected")
    ap.add_argument("--max-false", type=int, default=12000, help="at most this many false-box crops (random)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    card = load_card("classifier")
    os.makedirs(args.run_dir, exist_ok=True)
    log_path = os.path.join(args.run_dir, "log.txt")
    open(log_path, "w").close()
    start = time.time()
    data = cached_arrays("classifier", args.data, card, build_cache)
    net = BananaAlexNet(num_classes=len(card["classes"]))
    init_from_onnx(net, args.init_onnx, torch.from_numpy(data["x_train"]), card)
    model = WithRejectHead(net)
    false_train = np.concatenate([np.load(f)["crops"] for f in args.false_crops])
    if len(false_train) > args.max_false:
        false_train = false_train[np.sort(rng.choice(len(false_train), args.max_false, replace=False))]
    f_pos = features(model, false_train, card, copies=4)
    f_neg = features(model, data["x_train"], card, copies=2)
    log(f"features: {len(false_train)} false-box crops x4, {len(data['x_train'])} banana crops x2 "
        f"({time.time() - start:.0f} s)", log_path)
    train_head(model.reject, f_pos, f_neg, args.epochs, args.lr, rng)
    with torch.no_grad():
        p_val = torch.sigmoid(model.reject(features(model, data["x_val"], card))).squeeze(1).numpy()
        p_train_false = torch.sigmoid(model.reject(features(model, false_train, card))).squeeze(1).numpy()
        p_tune = None
        if args.tune_crops:
            p_tune = torch.sigmoid(model.reject(features(model, np.load(args.tune_crops)["crops"], card))).squeeze(1).numpy()
    threshold = float(max(0.5, np.quantile(p_val, 1 - args.max_val_reject)))
    metrics = {"threshold": threshold, "val_banana_crops_rejected": float(np.mean(p_val >= threshold)),
               "train_false_boxes_rejected": float(np.mean(p_train_false >= threshold)),
               "train_false_crops": len(false_train), "val_crops": len(p_val)}
    if p_tune is not None:
        metrics.update(tune_false_boxes_rejected=float(np.mean(p_tune >= threshold)), tune_false_crops=len(p_tune))
    metrics["minutes"] = (time.time() - start) / 60
    log(json.dumps(metrics), log_path)
    torch.save({"model": model.state_dict(), "threshold": threshold}, os.path.join(args.run_dir, "best.pt"))
    with open(os.path.join(args.run_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)


if __name__ == "__main__":
    main()

"""Choose the detector's default NMS IoU and confidence threshold on the val split.

  /usr/bin/python3 models/training/sweep_thresholds.py [--data DIR] [--run-dir DIR] [--threads N]
                                                       [--negatives DIR]

Prints mAP and the duplicate rate for several NMS IoU values and precision/recall/F1 for several
confidence thresholds (val split only; the chosen values go into models/detector.json "thresholds").
With --negatives DIR (train/ and heldout/ photos without bananas, models/README.md) it also prints,
per confidence, the fraction of the held-out photos that get any detection; with --real-tune DIR
(banana-free real photos of a training source's tuning split, never an evaluation set) likewise.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import cached_arrays, load_card, model_args  # noqa: E402
from detection_metrics import average_precision, detection_report, precision_recall_at  # noqa: E402
import negatives  # noqa: E402
from nets import detector_for  # noqa: E402
from train_detector import build_cache, grids, predict  # noqa: E402


def main():
    ap = model_args("detector", "reads <run-dir>/best.pt")
    ap.add_argument("--negatives", default=None, help="folder with heldout/ photos without bananas")
    ap.add_argument("--real-tune", default=None, help="folder of banana-free real photos for tuning")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    card = load_card("detector")
    data = cached_arrays("detector", args.data, card, build_cache)
    model = detector_for(card)
    model.load_state_dict(torch.load(os.path.join(args.run_dir, "best.pt"), map_location="cpu")["model"])
    gxy, _, strides = grids(card)
    gts = list(data["b_val"])
    for iou in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        preds = predict(model, data["x_val"], card, gxy, strides, iou=iou)
        dup = detection_report(preds, gts, card["thresholds"]["confidence"])["duplicate_rate"]
        print(f"nms iou {iou:.2f}: mAP@0.5 {average_precision(preds, gts, 0.5):.4f}"
              f" duplicate rate {dup:.4f} (confidence {card['thresholds']['confidence']})", flush=True)
        if iou == card["thresholds"]["iou"]:
            base = preds
    report = detection_report(base, gts, card["thresholds"]["confidence"])
    print(f"card thresholds (iou {card['thresholds']['iou']}, confidence {card['thresholds']['confidence']}): "
          + " ".join(f"{k} {v:.4f}" for k, v in report.items()), flush=True)
    neg = None
    if args.negatives:
        x_neg = negatives.letterboxed(os.path.join(args.negatives, "heldout"), card)
        neg = predict(model, x_neg, card, gxy, strides)
    tune = None
    if args.real_tune:
        tune = predict(model, negatives.letterboxed(args.real_tune, card), card, gxy, strides)
    for conf in np.arange(0.25, 0.801, 0.05):
        p, r = precision_recall_at(base, gts, conf)
        line = f"confidence {conf:.2f}: precision {p:.4f} recall {r:.4f} F1 {2 * p * r / max(p + r, 1e-9):.4f}"
        if neg is not None:
            line += f" negative rate {negatives.negative_rate(neg, conf):.4f}"
        if tune is not None:
            line += f" real tuning negative rate {negatives.negative_rate(tune, conf):.4f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()

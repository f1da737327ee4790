"""How many boxes a banana that fills the frame gets: every val photo with exactly one labelled
banana is cut to that banana's box plus a margin, letterboxed to the input size again and run
through the checkpoint at the card's thresholds. Reports the share of such photos with no box,
one box and two or more (a stock photo of one banana should get exactly one).

  /usr/bin/python3 models/training/frame_filling.py [--run-dir models/training/runs/detector] [--margin 0.05]
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import cached_arrays, letterbox, load_card, model_args  # noqa: E402
from nets import detector_for  # noqa: E402
from train_detector import build_cache, grids, predict  # noqa: E402


def frame_filling_crops(images, boxes, size, pad, margin):
    """Each single-banana image cut to its box grown by `margin` of its size, letterboxed to size x size
    as training letterboxes photos (common.letterbox)."""
    crops = []
    for img, b in zip(images, boxes):
        if len(b) != 1:
            continue
        x1, y1, x2, y2 = b[0]
        w, h = x2 - x1, y2 - y1
        cx1, cy1 = int(max(0, x1 - margin * w)), int(max(0, y1 - margin * h))
        cx2, cy2 = int(min(size, x2 + margin * w)), int(min(size, y2 + margin * h))
        cut = img[cy1:cy2, cx1:cx2]
        if min(cut.shape[:2]) < 8:
            continue
        crops.append(letterbox(Image.fromarray(cut), size, size, pad)[0])
    return np.stack(crops)


def main():
    ap = model_args("detector", description=__doc__.splitlines()[0])
    ap.add_argument("--margin", type=float, default=0.05, help="margin around the box, as a share of its size")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    card = load_card("detector")
    data = cached_arrays("detector", args.data, card, build_cache)
    inp, thr = card["input"], card["thresholds"]
    crops = frame_filling_crops(data["x_val"], data["b_val"], inp["width"], inp["resize"]["pad_value"], args.margin)
    model = detector_for(card)
    model.load_state_dict(torch.load(os.path.join(args.run_dir, "best.pt"), map_location="cpu")["model"])
    gxy, _, strides = grids(card)
    with torch.no_grad():
        preds = predict(model, crops, card, gxy, strides, conf=thr["confidence"], iou=thr["iou"])
    n = np.array([len(scores) for _, scores in preds])
    print(f"{len(n)} single-banana val photos cut to the banana (margin {args.margin}), confidence "
          f"{thr['confidence']}, NMS IoU {thr['iou']}: no box {np.mean(n == 0):.3f}, one box "
          f"{np.mean(n == 1):.3f}, two or more {np.mean(n >= 2):.3f}")


if __name__ == "__main__":
    main()

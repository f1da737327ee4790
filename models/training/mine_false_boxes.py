"""Crops of the detector's false boxes on banana-free photos: the "not a banana" examples of the
classifier's rejection head (train_reject_head.py).

  /usr/bin/python3 models/training/mine_false_boxes.py --photos DIR [--photos DIR2] --out crops.npz
      [--onnx models/detector.onnx | --ckpt runs/detector/best.pt] [--conf 0.1]

Every box the detector gives from --conf on (NMS at the card's IoU) on a photo without bananas is
false; it is cut from the photo at full resolution and prepared as the classifier's input (crop,
pad to square, resize: the card's preprocessing). Only training sources' photos belong here.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import crop_for_classifier, letterbox, load_card, open_rgb  # noqa: E402
import negatives  # noqa: E402
from nets import detector_for  # noqa: E402
from realworld_training import init_detector_from_onnx  # noqa: E402
from train_detector import grids, predict  # noqa: E402


def load_detector(card, onnx_path, ckpt, x_sample):
    model = detector_for(card)
    if ckpt:
        model.load_state_dict(torch.load(ckpt, map_location="cpu")["model"])
    else:
        init_detector_from_onnx(model, onnx_path, x_sample, card)
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", action="append", required=True, help="folder of banana-free photos (repeatable)")
    ap.add_argument("--onnx", default=os.path.join(os.path.dirname(__file__), "..", "detector.onnx"))
    ap.add_argument("--ckpt", default=None, help="a training checkpoint instead of --onnx")
    ap.add_argument("--conf", type=float, default=0.1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    det, cls = load_card("detector"), load_card("classifier")
    inp = det["input"]
    paths = [p for folder in args.photos for p in negatives.list_images(folder)]
    x = np.stack([letterbox(open_rgb(p), inp["width"], inp["height"], inp["resize"]["pad_value"])[0] for p in paths])
    model = load_detector(det, args.onnx, args.ckpt, x)
    gxy, _, strides = grids(det)
    preds = predict(model, x, det, gxy, strides, conf=args.conf)
    crops, scores, sources = [], [], []
    for p, (boxes, sc) in zip(paths, preds):
        if not len(boxes):
            continue
        img = open_rgb(p)
        w, h = img.size
        scale = min(inp["width"] / w, inp["height"] / h)
        dx, dy = (inp["width"] - max(1, round(w * scale))) // 2, (inp["height"] - max(1, round(h * scale))) // 2
        for b, s in zip(boxes, sc):
            box = ((b[0] - dx) / scale, (b[1] - dy) / scale, (b[2] - dx) / scale, (b[3] - dy) / scale)
            crops.append(crop_for_classifier(img, box, cls))
            scores.append(float(s))
            sources.append(os.path.relpath(p))
    np.savez(args.out, crops=np.stack(crops), scores=np.array(scores, np.float32), sources=np.array(sources))
    hit = len(set(sources))
    print(f"{len(crops)} false boxes (score >= {args.conf}) on {hit} of {len(paths)} photos -> {args.out}")


if __name__ == "__main__":
    main()

"""Python evaluation of a classifier checkpoint on the val crops, to set against `npm run eval`:
the network alone, and with test-time flip averaging (nets.FlipAveraged), which the export puts
into the graph when the card's output.test_time_augmentation is "horizontal_flip_mean".

  /usr/bin/python3 models/training/eval_classifier.py --ckpt models/training/runs/classifier/best.pt
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import cached_arrays, load_card, model_args  # noqa: E402
from nets import BananaAlexNet, FlipAveraged  # noqa: E402
from train_classifier import build_cache, evaluate  # noqa: E402


def main():
    ap = model_args("classifier", description=__doc__.splitlines()[0])
    ap.add_argument("--ckpt", default=None, help="checkpoint (default <run-dir>/best.pt)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    card = load_card("classifier")
    data = cached_arrays("classifier", args.data, card, build_cache)
    net = BananaAlexNet(num_classes=len(card["classes"]))
    net.load_state_dict(torch.load(args.ckpt or os.path.join(args.run_dir, "best.pt"), map_location="cpu")["model"])
    for name, model in [("plain", net), ("horizontal_flip_mean", FlipAveraged(net))]:
        top1, within1, cm = evaluate(model, data["x_val"], data["y_val"], card)
        print(f"{name}: val_top1 {top1:.4f} val_within1 {within1:.4f}")
        print("  confusion (rows truth, columns predicted):")
        for row in cm.tolist():
            print("  " + " ".join(f"{v:4d}" for v in row))


if __name__ == "__main__":
    main()

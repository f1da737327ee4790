"""Export a trained checkpoint (or, with --random, untrained weights) to ONNX.

The network is exported with a float32 NCHW input and a dynamic batch, then given the uint8
NHWC pixel input with the card's normalisation inside the graph (add_uint8_input.py), which is
what the services feed: the normalisation constants live in the card and in the graph only.
When the card's output says "test_time_augmentation": "horizontal_flip_mean", the exported
graph averages the logits of each input and its mirror image (nets.FlipAveraged). When the
classifier card's output has "reject" ({"name", "threshold"}), the graph has that second output:
the "not a banana" logit of nets.WithRejectHead (checkpoint of train_reject_head.py).

  /usr/bin/python3 models/training/export_onnx.py detector   [--ckpt runs/detector/best.pt]
  /usr/bin/python3 models/training/export_onnx.py classifier [--ckpt runs/classifier/best.pt]
"""
import argparse
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MODELS_DIR, RUNS_DIR, load_card  # noqa: E402
from nets import BananaAlexNet, FlipAveraged, WithRejectHead, detector_for  # noqa: E402
from add_uint8_input import prepend_uint8_input  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["detector", "classifier"])
    ap.add_argument("--ckpt", default=None, help="checkpoint (default models/training/runs/<model>/best.pt)")
    ap.add_argument("--random", action="store_true", help="export untrained weights (development only)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--float-out", default=None,
                    help="also keep the float32 NCHW export (before the uint8 input is prepended): "
                         "models/parity/write-fixture.ts runs it")
    args = ap.parse_args()

    card = load_card(args.model)
    inp, out = card["input"], card["output"]
    net = detector_for(card) if args.model == "detector" else BananaAlexNet(num_classes=len(card["classes"]))
    dynamic = {inp["name"]: {0: "batch"}, out["name"]: {0: "batch"}}
    output_names = [out["name"]]
    if args.model == "classifier" and out.get("reject"):
        net = WithRejectHead(net)
        output_names.append(out["reject"]["name"])
        dynamic[out["reject"]["name"]] = {0: "batch"}
    if not args.random:
        ckpt = args.ckpt or os.path.join(RUNS_DIR, args.model, "best.pt")
        state = torch.load(ckpt, map_location="cpu")
        net.load_state_dict(state["model"])
    if out.get("test_time_augmentation") == "horizontal_flip_mean":
        net = FlipAveraged(net)
    dest = args.out or os.path.join(MODELS_DIR, card["file"])
    export_network(net, card, output_names, dynamic, dest, args.float_out)


def export_network(net, card, output_names, dynamic, dest, float_out=None):
    """The network as the services load it: float32 NCHW export, then the uint8 NHWC input with
    the card's normalisation prepended (add_uint8_input.py)."""
    import onnx

    inp = card["input"]
    net.eval()
    dummy = torch.zeros(1, 3, inp["height"], inp["width"])
    with tempfile.TemporaryDirectory() as tmp:
        float_path = os.path.join(tmp, "float.onnx")
        torch.onnx.export(
            net, dummy, float_path, input_names=[inp["name"]], output_names=output_names,
            dynamic_axes=dynamic, opset_version=13, do_constant_folding=True,
        )
        model = prepend_uint8_input(onnx.load(float_path), inp)
        if float_out:
            import shutil
            shutil.copyfile(float_path, float_out)
    onnx.save(model, dest)
    print(f"wrote {dest} ({os.path.getsize(dest) / 1e6:.2f} MB)")

if __name__ == "__main__":
    main()

"""Give an ONNX image model a uint8 NHWC RGB input with the card's normalisation inside the graph.

  /usr/bin/python3 models/training/add_uint8_input.py detector
  /usr/bin/python3 models/training/add_uint8_input.py classifier   [--in F] [--out F]

The float32 NCHW input named in the card is renamed and fed by new nodes that take the raw
pixels [N, H, W, 3] (uint8, RGB, what a decoder hands out):

  Transpose NHWC -> NCHW, Cast to float32, Mul scale, Sub mean, Div std   (per channel)

so x = (pixel * scale - mean) / std exactly as the card's input.normalization says, and the
serving code feeds decoded pixels as they are. The batch dimension of input and output becomes
dynamic (the detector was exported with a fixed batch of 1; its reshapes take the batch from
the tensor shape, which is checked here). The weights are not touched: the script checks that
every initializer of the result is byte-identical to the source's. export_onnx.py calls
prepend_uint8_input() for new exports, so a trained model always ships with this input.
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Only numpy and onnx: no torch needed to convert a shipped model.
MODELS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

BATCH = "batch"


def _check_batch_free(graph, float_name):
    """The graph must not pin the batch: a Reshape whose shape is a constant starting with 1
    would; shapes computed from the tensor (Shape -> Slice -> Concat) are fine."""
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    for node in graph.node:
        if node.op_type == "Reshape" and node.input[1] in constants:
            shape = constants[node.input[1]].tolist()
            if shape and shape[0] not in (0, -1):
                raise SystemExit(f"{node.name}: Reshape to constant shape {shape} pins the batch; "
                                 "re-export with models/training/export_onnx.py")


def prepend_uint8_input(model, card_input):
    """Returns a new ModelProto whose input `card_input['name']` is uint8 [batch, H, W, 3]."""
    graph = model.graph
    name = card_input["name"]
    if len(graph.input) != 1 or graph.input[0].name != name:
        raise SystemExit(f"model inputs {[i.name for i in graph.input]} are not [{name!r}]")
    source = graph.input[0].type.tensor_type
    if source.elem_type != TensorProto.FLOAT:
        raise SystemExit(f"input {name!r} is {TensorProto.DataType.Name(source.elem_type)}, "
                         "not FLOAT: already converted?")
    _check_batch_free(graph, name)
    norm = card_input["normalization"]
    h, w = card_input["height"], card_input["width"]
    inner = f"{name}_normalized"

    new_model = onnx.ModelProto()
    new_model.CopyFrom(model)
    g = new_model.graph
    for node in g.node:
        for i, x in enumerate(node.input):
            if x == name:
                node.input[i] = inner
    per_channel = lambda v: np.asarray(v, dtype=np.float32).reshape(1, 3, 1, 1)  # noqa: E731
    g.initializer.extend([
        numpy_helper.from_array(np.asarray(norm["scale"], dtype=np.float32), f"{name}_scale"),
        numpy_helper.from_array(per_channel(norm["mean"]), f"{name}_mean"),
        numpy_helper.from_array(per_channel(norm["std"]), f"{name}_std"),
    ])
    prefix = [
        helper.make_node("Transpose", [name], [f"{name}_nchw"], perm=[0, 3, 1, 2], name="uint8_input/Transpose"),
        helper.make_node("Cast", [f"{name}_nchw"], [f"{name}_float"], to=TensorProto.FLOAT, name="uint8_input/Cast"),
        helper.make_node("Mul", [f"{name}_float", f"{name}_scale"], [f"{name}_scaled"], name="uint8_input/Mul"),
        helper.make_node("Sub", [f"{name}_scaled", f"{name}_mean"], [f"{name}_centred"], name="uint8_input/Sub"),
        helper.make_node("Div", [f"{name}_centred", f"{name}_std"], [inner], name="uint8_input/Div"),
    ]
    nodes = prefix + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    del g.input[:]
    g.input.append(helper.make_tensor_value_info(name, TensorProto.UINT8, [BATCH, h, w, 3]))
    for out in g.output:
        dims = out.type.tensor_type.shape.dim
        if len(dims) > 0:
            dims[0].Clear()
            dims[0].dim_param = BATCH
    # Intermediate shapes inferred for batch 1 would contradict the dynamic batch.
    del g.value_info[:]
    onnx.checker.check_model(new_model)
    return new_model


def _same_weights(before, after):
    old = {i.name: i.SerializeToString() for i in before.graph.initializer}
    new = {i.name: i.SerializeToString() for i in after.graph.initializer}
    changed = [k for k, v in old.items() if new.get(k) != v]
    if changed:
        raise SystemExit(f"weights changed: {changed[:5]}")
    return len(old)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["detector", "classifier"])
    ap.add_argument("--in", dest="src", default=None, help="float model (default models/<card file>)")
    ap.add_argument("--out", default=None, help="default: overwrite the input file")
    args = ap.parse_args()
    with open(os.path.join(MODELS_DIR, f"{args.model}.json")) as f:
        card = json.load(f)
    src = args.src or os.path.join(MODELS_DIR, card["file"])
    dest = args.out or src
    model = onnx.load(src)
    converted = prepend_uint8_input(model, card["input"])
    kept = _same_weights(model, converted)
    onnx.save(converted, dest)
    print(f"wrote {dest}: input {card['input']['name']} uint8 [batch, {card['input']['height']}, "
          f"{card['input']['width']}, 3], {kept} initializers unchanged")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: Apache-2.0
"""Writes a tiny ONNX model whose output is a prediction tensor the caller chooses,
for the tests of vigil::nn::OnnxModel and vigil::detect::LoadOnnxYolo.

Run with Debian's interpreter and python3-onnx:
  /usr/bin/python3 tests/tools/make_yolo_onnx.py OUT.onnx --size 64 --shape 1,6,8 \
      (--values 1,2,3,... | --set 7=0.5,12=0.25 ...) [--mix 5:0.5,0,0] \
      [--dynamic] [--extra-output 1,2,1,1] [--unsupported-op]

The graph is   images [1,3,S,S] -> GlobalAveragePool -> 1x1 Conv -> Reshape(--shape) -> output0
The convolution's weights are zero and its bias is the prediction: either
--values (every output element, row-major in --shape) or zeros with the
elements that `--set I=V,...` names (repeatable). Each `--mix I:R,G,B` makes
output element I also add R*mean(channel 0) + G*mean(channel 1) + B*mean(channel 2)
of the input. So the output is a fixed prediction, optionally shifted by what
the input holds: enough to check a decoder and the preprocessing in front of it.

--dynamic declares the input as [batch, 3, height, width] (named dimensions)
instead of fixed sizes. --extra-output SHAPE adds a second output: the means
of the first two input channels, reshaped to SHAPE (two elements), standing
for the per-level outputs old YOLOv5 exports carry beside the combined one
(rank 5) or a segmentation model's mask prototypes (rank 4). --unsupported-op
ends the graph with an operator from a made-up domain, which no runtime knows.

The output file is deterministic: same arguments, same bytes.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def parse_ints(text):
    return [int(v) for v in text.split(",") if v != ""]


def parse_floats(text):
    return [float(v) for v in text.split(",") if v != ""]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--shape", required=True, help="output shape, e.g. 1,6,8")
    parser.add_argument("--values", help="row-major output values (comma-separated)")
    parser.add_argument("--set", action="append", default=[], help="I=V,... (repeatable); others 0")
    parser.add_argument("--mix", action="append", default=[], help="I:R,G,B (repeatable)")
    parser.add_argument("--dynamic", action="store_true")
    parser.add_argument("--extra-output", help="shape of a second output with two elements")
    parser.add_argument("--unsupported-op", action="store_true")
    args = parser.parse_args(argv)

    shape = parse_ints(args.shape)
    count = int(np.prod(shape))
    if args.values is not None:
        values = np.array(parse_floats(args.values), dtype=np.float32)
        if values.size != count:
            parser.error(f"--values has {values.size} numbers, --shape {shape} needs {count}")
    else:
        values = np.zeros(count, dtype=np.float32)
    for group in args.set:
        for item in group.split(","):
            index, _, value = item.partition("=")
            if not 0 <= int(index) < count:
                parser.error(f"bad --set {item!r}")
            values[int(index)] = float(value)

    weights = np.zeros((count, 3, 1, 1), dtype=np.float32)
    for item in args.mix:
        index, _, rgb = item.partition(":")
        mix = parse_floats(rgb)
        if len(mix) != 3 or not 0 <= int(index) < count:
            parser.error(f"bad --mix {item!r}")
        weights[int(index), :, 0, 0] = mix

    if args.dynamic:
        input_dims = ["batch", 3, "height", "width"]
    else:
        input_dims = [1, 3, args.size, args.size]
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, input_dims)
    output = helper.make_tensor_value_info("output0", TensorProto.FLOAT, shape)

    initializers = [
        numpy_helper.from_array(weights, "head.weight"),
        numpy_helper.from_array(values, "head.bias"),
        numpy_helper.from_array(np.array(shape, dtype=np.int64), "head.shape"),
    ]
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"], name="pool"),
        helper.make_node("Conv", ["pooled", "head.weight", "head.bias"], ["head"], name="head_conv",
                         kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["head", "head.shape"],
                         ["reshaped" if args.unsupported_op else "output0"], name="reshape"),
    ]
    opsets = [helper.make_opsetid("", 11)]
    if args.unsupported_op:
        nodes.append(helper.make_node("NoSuchOp", ["reshaped"], ["output0"], name="tail",
                                      domain="org.vigil.test"))
        opsets.append(helper.make_opsetid("org.vigil.test", 1))
    outputs = [output]
    if args.extra_output:
        extra_shape = parse_ints(args.extra_output)
        if int(np.prod(extra_shape)) != 2:
            parser.error("--extra-output needs a shape with two elements")
        side = np.zeros((2, 3, 1, 1), dtype=np.float32)
        side[0, 0, 0, 0] = 1
        side[1, 1, 0, 0] = 1
        initializers.append(numpy_helper.from_array(side, "side.weight"))
        initializers.append(numpy_helper.from_array(np.array(extra_shape, dtype=np.int64),
                                                    "side.shape"))
        nodes.append(helper.make_node("Conv", ["pooled", "side.weight"], ["side_conv"],
                                      name="side_conv", kernel_shape=[1, 1]))
        nodes.append(helper.make_node("Reshape", ["side_conv", "side.shape"], ["side"],
                                      name="side_reshape"))
        outputs.append(helper.make_tensor_value_info("side", TensorProto.FLOAT, extra_shape))

    graph = helper.make_graph(nodes, "vigil_test_yolo", [images], outputs, initializers)
    # Opset 11 and IR 6: what OpenCV 4.x's importer reads without complaint.
    model = helper.make_model(graph, producer_name="vigil-tests", opset_imports=opsets)
    model.ir_version = 6
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

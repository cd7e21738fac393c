#!/usr/bin/env python3
"""Writes the models of test/Frontend/float-through-ops.test: ONNX Runtime's
com.microsoft QLinearAveragePool, QLinearMul and QLinearSoftmax (which it
computes through float), QLinearSigmoid and QLinearLeakyRelu, ReduceMean
over H and W in a QDQ model (the global average pool some exporters
write), Sigmoid, Tanh and LeakyRelu, and nearest Resize upscaling by 2
and 3 (scales with asymmetric/floor, sizes with ONNX's defaults), each
between a
QuantizeLinear of the float input and a DequantizeLinear of the output.

usage: make-float-through-ops.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def scalar(name, value, dtype):
    return numpy_helper.from_array(np.array(value, dtype), name)


def save(graph, path, ms=False):
    opsets = [helper.make_opsetid("", 13)]
    if ms:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    onnx.save(model, path)


def ms_model(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 2, 2])
    inits = [scalar("xs", 0.05, np.float32), scalar("xz", 128, np.uint8),
             scalar("ps", 0.04, np.float32), scalar("pz", 120, np.uint8),
             scalar("ms", 0.03, np.float32), scalar("mz", 10, np.uint8),
             scalar("ss", 1 / 256, np.float32), scalar("sz", 0, np.uint8),
             numpy_helper.from_array(
                 np.arange(8, dtype=np.uint8).reshape(1, 2, 2, 2) * 30, "b"),
             scalar("bs", 0.02, np.float32), scalar("bz", 100, np.uint8)]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearAveragePool", ["xq", "xs", "xz", "ps", "pz"],
                         ["pq"], domain="com.microsoft", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("QLinearMul", ["pq", "ps", "pz", "b", "bs", "bz",
                                        "ms", "mz"], ["mq"],
                         domain="com.microsoft"),
        helper.make_node("QLinearSoftmax", ["mq", "ms", "mz", "ss", "sz"],
                         ["sq"], domain="com.microsoft", axis=-1, opset=13),
        helper.make_node("DequantizeLinear", ["sq", "ss", "sz"], ["y"]),
    ]
    save(helper.make_graph(nodes, "ms", [x], [y], inits), path, ms=True)


def reduce_mean_model(path, keepdims):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    shape = [1, 2, 1, 1] if keepdims else [1, 2]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    inits = [scalar("xs", 0.05, np.float32), scalar("xz", 128, np.uint8),
             scalar("ys", 0.01, np.float32), scalar("yz", 128, np.uint8)]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("ReduceMean", ["xd"], ["m"], axes=[-2, -1],
                         keepdims=keepdims),
        helper.make_node("QuantizeLinear", ["m", "ys", "yz"], ["mq"]),
        helper.make_node("DequantizeLinear", ["mq", "ys", "yz"], ["y"]),
    ]
    save(helper.make_graph(nodes, "rm", [x], [y], inits), path)


def activations_model(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2, 4, 4])
            for n in ("y", "t", "l")]
    inits = [scalar("xs", 0.05, np.float32), scalar("xz", 128, np.uint8),
             scalar("ys", 1 / 256, np.float32), scalar("yz", 0, np.uint8),
             scalar("ts", 1 / 128, np.float32), scalar("tz", 128, np.uint8),
             scalar("ls", 0.04, np.float32), scalar("lz", 20, np.uint8)]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"])]
    for op, out, s, z, attrs in (("Sigmoid", "y", "ys", "yz", {}),
                                 ("Tanh", "t", "ts", "tz", {}),
                                 ("LeakyRelu", "l", "ls", "lz",
                                  {"alpha": 0.1})):
        nodes += [
            helper.make_node(op, ["xd"], [out + "f"], **attrs),
            helper.make_node("QuantizeLinear", [out + "f", s, z], [out + "q"]),
            helper.make_node("DequantizeLinear", [out + "q", s, z], [out])]
    save(helper.make_graph(nodes, "act", [x], outs, inits), path)


def ms_activations_model(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2, 4, 4])
            for n in ("y", "l")]
    inits = [scalar("xs", 0.05, np.float32), scalar("xz", 128, np.uint8),
             scalar("ys", 1 / 256, np.float32), scalar("yz", 0, np.uint8),
             scalar("ls", 0.04, np.float32), scalar("lz", 20, np.uint8)]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearSigmoid", ["xq", "xs", "xz", "ys", "yz"],
                         ["yq"], domain="com.microsoft"),
        helper.make_node("QLinearLeakyRelu", ["xq", "xs", "xz", "ls", "lz"],
                         ["lq"], domain="com.microsoft", alpha=0.1),
        helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"]),
        helper.make_node("DequantizeLinear", ["lq", "ls", "lz"], ["l"])]
    save(helper.make_graph(nodes, "msact", [x], outs, inits), path, ms=True)


def resize_model(path, by_sizes):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    shape = [1, 2, 12, 8] if by_sizes else [1, 2, 8, 8]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    inits = [scalar("xs", 0.05, np.float32), scalar("xz", 128, np.uint8),
             numpy_helper.from_array(np.zeros(0, np.float32), "roi")]
    if by_sizes:
        inits += [numpy_helper.from_array(np.zeros(0, np.float32), "scales"),
                  numpy_helper.from_array(np.array(shape, np.int64), "sizes")]
        resize = helper.make_node("Resize", ["xd", "roi", "scales", "sizes"],
                                  ["r"], mode="nearest")
    else:
        inits.append(numpy_helper.from_array(
            np.array([1, 1, 2, 2], np.float32), "scales"))
        resize = helper.make_node(
            "Resize", ["xd", "roi", "scales"], ["r"], mode="nearest",
            coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             resize,
             helper.make_node("QuantizeLinear", ["r", "xs", "xz"], ["rq"]),
             helper.make_node("DequantizeLinear", ["rq", "xs", "xz"], ["y"])]
    save(helper.make_graph(nodes, "resize", [x], [y], inits), path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ms_model(os.path.join(out, "ms.onnx"))
    reduce_mean_model(os.path.join(out, "mean.onnx"), 1)
    reduce_mean_model(os.path.join(out, "mean-flat.onnx"), 0)
    activations_model(os.path.join(out, "act.onnx"))
    ms_activations_model(os.path.join(out, "ms-act.onnx"))
    resize_model(os.path.join(out, "resize.onnx"), False)
    resize_model(os.path.join(out, "resize-sizes.onnx"), True)
    rng = np.random.default_rng(7)
    np.save(os.path.join(out, "x.npy"),
            rng.uniform(-6, 6, (3, 2, 4, 4)).astype(np.float32))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the models of test/Frontend/float-through-ops.test: ONNX Runtime's
com.microsoft QLinearAveragePool, QLinearMul and QLinearSoftmax (which it
computes through float), and ReduceMean over H and W in a QDQ model (the
global average pool some exporters write), each between a QuantizeLinear
of the float input and a DequantizeLinear of the output.

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


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ms_model(os.path.join(out, "ms.onnx"))
    reduce_mean_model(os.path.join(out, "mean.onnx"), 1)
    reduce_mean_model(os.path.join(out, "mean-flat.onnx"), 0)
    rng = np.random.default_rng(7)
    np.save(os.path.join(out, "x.npy"),
            rng.uniform(-6, 6, (3, 2, 4, 4)).astype(np.float32))


if __name__ == "__main__":
    main()

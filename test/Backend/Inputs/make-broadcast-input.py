"""Writes a QDQ Conv followed by Mul with a rank-1 graph input `s` that
broadcasts over the last dimension (found in a model from the wild):
make-broadcast-input.py OUT.onnx S.npy X.npy"""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

rng = np.random.default_rng(0)
inits = [nh.from_array(rng.integers(-20, 20, size=(4, 1, 3, 3)).astype(np.int8), "Wq"),
         nh.from_array(np.array(0.02, np.float32), "ws"),
         nh.from_array(np.array(0, np.int8), "wz"),
         nh.from_array(np.array(0.05, np.float32), "xs"),
         nh.from_array(np.array(128, np.uint8), "xz"),
         nh.from_array(np.array(0.1, np.float32), "ys"),
         nh.from_array(np.array(128, np.uint8), "yz")]
nodes = [h.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
         h.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
         h.make_node("DequantizeLinear", ["Wq", "ws", "wz"], ["Wd"]),
         h.make_node("Conv", ["xd", "Wd"], ["c"], pads=[1, 1, 1, 1]),
         h.make_node("QuantizeLinear", ["c", "ys", "yz"], ["cq"]),
         h.make_node("DequantizeLinear", ["cq", "ys", "yz"], ["cd"]),
         h.make_node("Mul", ["cd", "s"], ["y"], name="scale")]
graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 6, 6]),
                                  h.make_tensor_value_info("s", T.FLOAT, [6])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 6, 6])], inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
np.save(sys.argv[2], np.linspace(0.5, 1.5, 6).astype(np.float32))
np.save(sys.argv[3], rng.normal(size=(1, 1, 6, 6)).astype(np.float32))

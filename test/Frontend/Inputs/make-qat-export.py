"""Writes a model the way PyTorch's raw QAT export does (float weight
initializer -> QuantizeLinear -> DequantizeLinear -> Conv, activations in
QDQ pairs) and a seeded input: make-qat-export.py OUT.onnx X.npy"""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

rng = np.random.default_rng(0)
w = (rng.normal(size=(4, 1, 3, 3)) * 0.3).astype(np.float32)
inits = [nh.from_array(w, "W"),
         nh.from_array(np.array(0.02, np.float32), "ws"),
         nh.from_array(np.array(0, np.int8), "wz"),
         nh.from_array(np.array(0.05, np.float32), "xs"),
         nh.from_array(np.array(128, np.uint8), "xz"),
         nh.from_array(np.array(0.1, np.float32), "ys"),
         nh.from_array(np.array(128, np.uint8), "yz")]
nodes = [h.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
         h.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
         h.make_node("QuantizeLinear", ["W", "ws", "wz"], ["Wq"]),
         h.make_node("DequantizeLinear", ["Wq", "ws", "wz"], ["Wd"]),
         h.make_node("Conv", ["xd", "Wd"], ["c"], pads=[1, 1, 1, 1]),
         h.make_node("QuantizeLinear", ["c", "ys", "yz"], ["cq"]),
         h.make_node("DequantizeLinear", ["cq", "ys", "yz"], ["y"])]
graph = h.make_graph(nodes, "qat", [h.make_tensor_value_info("x", T.FLOAT, ["N", 1, 6, 6])],
                     [h.make_tensor_value_info("y", T.FLOAT, ["N", 4, 6, 6])], inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
np.save(sys.argv[2], rng.normal(size=(8, 1, 6, 6)).astype(np.float32))

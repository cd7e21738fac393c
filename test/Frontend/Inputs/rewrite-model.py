"""Rewrites an ONNX model the ways exporters in the wild write them, for
test/Frontend/models-in-the-wild.test:

    rewrite-model.py IN OUT opset=N ir=N ai-onnx shuffle untyped-outputs
                     shape-flatten float-head reduce-mean-18

opset=N sets the default opset, ir=N the IR version, ai-onnx spells the
default domain "ai.onnx", shuffle reverses the node order (not
topological any more), untyped-outputs removes the type of every graph
output (ONNX Runtime takes it from the value), shape-flatten replaces
every Flatten by PyTorch's x.view(x.size(0), -1) (Shape -> Gather ->
Unsqueeze -> Concat -> Reshape), float-head makes the first output the
float result of the last product (DequantizeLinear -> Gemm with no
QuantizeLinear after it, as ONNX Runtime's quantizer leaves the last
layer), symbolic-hw makes the first input's dimensions 0, 2
and 3 symbolic, reduce-mean-18 appends a ReduceMean with its axes as
an input (opset 18's schema) to the first output."""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

model = onnx.load(sys.argv[1])
for arg in sys.argv[3:]:
    if arg.startswith("opset="):
        for opset in model.opset_import:
            if opset.domain in ("", "ai.onnx"):
                opset.version = int(arg[6:])
    elif arg.startswith("ir="):
        model.ir_version = int(arg[3:])
    elif arg == "ai-onnx":
        for opset in model.opset_import:
            if opset.domain == "":
                opset.domain = "ai.onnx"
        for node in model.graph.node:
            if node.domain == "":
                node.domain = "ai.onnx"
    elif arg == "shuffle":
        nodes = list(model.graph.node)[::-1]
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    elif arg == "untyped-outputs":
        for out in model.graph.output:
            out.ClearField("type")
    elif arg == "shape-flatten":
        nodes = []
        for i, node in enumerate(model.graph.node):
            if node.op_type != "Flatten":
                nodes.append(node)
                continue
            p = "flat%d_" % i
            model.graph.initializer.extend([
                numpy_helper.from_array(np.array(0, np.int64), p + "zero"),
                numpy_helper.from_array(np.array([0], np.int64), p + "axes"),
                numpy_helper.from_array(np.array([-1], np.int64), p + "rest")])
            nodes += [
                helper.make_node("Shape", [node.input[0]], [p + "shape"]),
                helper.make_node("Gather", [p + "shape", p + "zero"], [p + "n"]),
                helper.make_node("Unsqueeze", [p + "n", p + "axes"], [p + "n1"]),
                helper.make_node("Concat", [p + "n1", p + "rest"], [p + "target"],
                                 axis=0),
                helper.make_node("Reshape", [node.input[0], p + "target"],
                                 list(node.output))]
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    elif arg == "float-head":
        out = model.graph.output[0]
        product = [n for n in model.graph.node
                   if n.op_type in ("Gemm", "MatMul", "Conv")][-1]
        # Drop everything after the product; it computes the output.
        keep = list(model.graph.node).index(product)
        nodes = list(model.graph.node)[:keep + 1]
        product.output[0] = out.name
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    elif arg == "symbolic-hw":
        dims = model.graph.input[0].type.tensor_type.shape.dim
        dims[0].dim_param = "N"
        dims[2].dim_param = "H"
        dims[3].dim_param = "W"
    elif arg == "reduce-mean-18":
        out = model.graph.output[0]
        model.graph.initializer.append(
            numpy_helper.from_array(np.array([1], np.int64), "rm_axes"))
        model.graph.node.append(helper.make_node(
            "ReduceMean", [out.name, "rm_axes"], ["reduced"]))
        out.name = "reduced"
        out.type.tensor_type.ClearField("shape")
    else:
        sys.exit(f"unknown rewrite {arg}")
onnx.save(model, sys.argv[2])

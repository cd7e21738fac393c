#!/usr/bin/env python3
"""Compares two runs of a QDQ model's quantized output, in quantization
steps of the model's final DequantizeLinear.

The step (scale) is read from the model: the output must be produced by a
DequantizeLinear whose scale is a Constant or an initializer. Prints the
largest difference in steps and the fraction of elements that agree
exactly, and fails if the difference exceeds --max-steps or the fraction is
below --min-exact.

usage: compare_quantized.py MODEL.onnx A.npy B.npy [--output NAME]
                            [--max-steps 1] [--min-exact 0.99] [--labels L.npy]
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def output_scale(model, name):
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    node = producers.get(name)
    if node is None or node.op_type != "DequantizeLinear":
        sys.exit(f"output '{name}' is not produced by a DequantizeLinear")
    scale_name = node.input[1]
    for init in graph.initializer:
        if init.name == scale_name:
            return float(numpy_helper.to_array(init))
    const = producers.get(scale_name)
    if const is not None and const.op_type == "Constant":
        return float(numpy_helper.to_array(const.attribute[0].t))
    sys.exit(f"scale '{scale_name}' is not a constant")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--output", default=None)
    parser.add_argument("--max-steps", type=float, default=1.0)
    parser.add_argument("--min-exact", type=float, default=0.99)
    parser.add_argument("--labels", default=None)
    args = parser.parse_args()

    model = onnx.load(args.model)
    name = args.output or model.graph.output[0].name
    step = output_scale(model, name)
    a, b = np.load(args.a), np.load(args.b)
    if a.shape != b.shape:
        sys.exit(f"shapes differ: {a.shape} vs {b.shape}")
    steps = np.abs(a.astype(np.float64) - b.astype(np.float64)) / step
    # Outputs are dequantized codes: differences are whole steps.
    steps = np.round(steps, 3)
    worst = steps.max()
    exact = float((steps == 0).mean())
    print(f"elements: {a.size}")
    print(f"max difference: {worst:g} step")
    print(f"exact: {exact * 100:.2f}%")
    if args.labels:
        labels = np.load(args.labels)
        for tag, out in (("first", a), ("second", b)):
            acc = float((out.argmax(axis=1) == labels).mean())
            print(f"accuracy ({tag}): {acc * 100:.2f}%")
    if worst > args.max_steps or exact < args.min_exact:
        print("FAIL")
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()

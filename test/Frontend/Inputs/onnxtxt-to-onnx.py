"""Converts an ONNX text-format model to a binary .onnx file.

The ONNX 1.12 text format cannot name nodes, so names for the graph's
nodes, in order, may be given with --names (comma-separated; an empty entry
leaves that node unnamed). Used by tests that need binary models or node
names.

    onnxtxt-to-onnx.py MODEL.onnxtxt OUT.onnx [--names conv1,relu1]
"""
import argparse

import onnx
import onnx.parser


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--names", default="")
    args = parser.parse_args()
    with open(args.input) as f:
        model = onnx.parser.parse_model(f.read())
    names = args.names.split(",") if args.names else []
    if len(names) > len(model.graph.node):
        parser.error("%d names for %d nodes" % (len(names), len(model.graph.node)))
    for node, name in zip(model.graph.node, names):
        node.name = name
    onnx.save(model, args.output)


if __name__ == "__main__":
    main()

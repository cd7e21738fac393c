#!/usr/bin/env python3
"""ONNX Runtime as a second opinion (ctest `ort-second-opinion`,
docs/Testing.md): every model under test/models and the models the
Frontend tests generate from them run under onnxruntime-node
(bench/ort/ort-bench.mjs, installed by scripts/install-deps.sh) and under
ohm-sim (compiled with lossless ADCs), on the same inputs. Outputs made by
a DequantizeLinear are compared in its steps (at most one step apart);
float outputs within a relative 1e-4 of their range. Prints, per model,
the elements compared, the exact-match percentage and the largest
difference.

usage: ort_second_opinion.py --bin-dir DIR --work-dir DIR [--node NODE]
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from compare_quantized import output_scale  # noqa: E402


def models(work):
    """(name, model, input .npy) for every model checked."""
    cases = [("fmnist_cnn_qdq", os.path.join(HERE, "fmnist_cnn_qdq.onnx"),
              os.path.join(HERE, "fmnist_cnn_batch8.npy"))]
    for i in range(4):
        cases.append(("tiny_resnet_qdq/input_%d" % i,
                      os.path.join(HERE, "tiny_resnet_qdq.onnx"),
                      os.path.join(HERE, "tiny_resnet_input_%d.npy" % i)))
    generated = os.path.join(work, "generated")
    subprocess.run([sys.executable, os.path.join(
        ROOT, "test", "Frontend", "Inputs", "make-float-through-ops.py"),
        generated], check=True)
    for name in ("ms", "mean", "mean-flat", "act", "ms-act", "resize",
                 "resize-sizes"):
        cases.append(("float-through-ops/" + name,
                      os.path.join(generated, name + ".onnx"),
                      os.path.join(generated, "x.npy")))
    rewrite = os.path.join(ROOT, "test", "Frontend", "Inputs",
                           "rewrite-model.py")
    for variant in ("opset=21 ir=10", "float-head", "untyped-outputs"):
        path = os.path.join(generated, "fmnist-%s.onnx" % variant.replace(
            " ", "-").replace("=", ""))
        subprocess.run([sys.executable, rewrite,
                        os.path.join(HERE, "fmnist_cnn_qdq.onnx"), path]
                       + variant.split(), check=True)
        cases.append(("fmnist " + variant, path,
                      os.path.join(HERE, "fmnist_cnn_batch8.npy")))
    return cases


def compare(model_path, name, ohm, ort):
    """(exact fraction, largest difference, unit, ok) for output `name`."""
    model = onnx.load(model_path)
    ohm, ort = ohm.astype(np.float64), ort.astype(np.float64).reshape(ohm.shape)
    producers = {out: n for n in model.graph.node for out in n.output}
    node = producers.get(name)
    if node is not None and node.op_type == "DequantizeLinear":
        steps = np.round(np.abs(ohm - ort) / output_scale(model, name), 3)
        return float((steps == 0).mean()), float(steps.max()), "step", \
            float(steps.max()) <= 1
    diff = np.abs(ohm - ort)
    span = max(float(np.abs(ort).max()), 1e-30)
    return float((diff == 0).mean()), float(diff.max()), "abs", \
        float(diff.max()) <= 1e-4 * span


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--node", default="node")
    args = parser.parse_args()
    ort_bench = os.path.join(ROOT, "bench", "ort", "ort-bench.mjs")
    if not os.path.isdir(os.path.join(ROOT, "bench", "ort", "node_modules",
                                      "onnxruntime-node")):
        sys.exit("onnxruntime-node is not installed: run scripts/install-deps.sh")
    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    failures = 0
    print("%-34s %9s %8s %12s" % ("model", "elements", "exact", "largest"))
    for i, (name, model, x) in enumerate(models(args.work_dir)):
        case = os.path.join(args.work_dir, "case%02d" % i)
        os.makedirs(case)
        prog = os.path.join(case, "prog.ohmx")
        subprocess.run([os.path.join(args.bin_dir, "ohmc"), model,
                        "--adc=lossless", "-o", prog], check=True)
        subprocess.run([os.path.join(args.bin_dir, "ohm-sim"), prog,
                        "--input", x, "--output-dir", os.path.join(case, "ohm"),
                        "-q"], check=True, stdout=subprocess.DEVNULL)
        outputs = [o.name for o in onnx.load(model).graph.output]
        for output in outputs:
            ort_out = os.path.join(case, "ort-%s.npy" % output.replace("/", "_"))
            subprocess.run([args.node, ort_bench, model, x, "--repeat", "1",
                            "--warmup", "0", "--output", ort_out,
                            "--output-name", output], check=True,
                           stdout=subprocess.DEVNULL)
            ohm = np.load(os.path.join(case, "ohm", output.replace("/", "_") +
                                       ".npy"))
            exact, worst, unit, ok = compare(model, output, ohm,
                                             np.load(ort_out))
            label = name if len(outputs) == 1 else "%s:%s" % (name, output)
            print("%-34s %9d %7.2f%% %8.3g %-4s%s" % (
                label, ohm.size, exact * 100, worst, unit,
                "" if ok else " FAIL"))
            failures += not ok
    if failures:
        print("%d models differ from ONNX Runtime by more than one step" %
              failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ADC width against accuracy on the bundled Fashion-MNIST CNN, with the
Python API (docs/Python.md): compile once per width, run the simulator on
N test images (ideal cells and, with --device, 5 device instances with
5% programming variation and 2% read noise), print a table and plot it.

usage: PYTHONPATH=build/python /usr/bin/python3 docs/examples/adc_sweep.py
           [--images 1000] [--bits 3,4,5,6,8] [--device] [--plot adc.png]
"""
import argparse
import os
import sys

import numpy as np

import ohm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "models"))
from fmnist_to_npy import load_fashion_mnist  # noqa: E402

MODEL = os.path.join(ROOT, "test", "models", "fmnist_cnn_qdq.onnx")
NOISE = {"programming_sigma": 0.05, "read_noise_sigma": 0.02}


def accuracy(outputs, labels):
    (logits,) = outputs.values()
    return float(np.mean(np.argmax(logits.reshape(len(labels), -1), 1) == labels))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--bits", default="3,4,5,6,8")
    parser.add_argument("--device", action="store_true",
                        help="also run 5 device instances per width")
    parser.add_argument("--plot", help="write the plot to this file (matplotlib)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    images, labels = load_fashion_mnist(args.images)
    rows = []
    for bits in ["lossless"] + [int(b) for b in args.bits.split(",")]:
        program = ohm.compile(MODEL, target="isaac", adc=bits)
        ideal = accuracy(ohm.Simulator(program, threads=args.threads).run(images),
                         labels)
        device = []
        if args.device:
            for seed in range(5):
                sim = ohm.Simulator(program, threads=args.threads, mode="device",
                                    seed=seed, device=NOISE)
                device.append(accuracy(sim.run(images), labels))
        rows.append((bits, ideal, device))
        spread = (f"  device {np.mean(device):.4f} +- {np.std(device):.4f}"
                  if device else "")
        print(f"adc={bits!s:>8}  ideal {ideal:.4f}{spread}", flush=True)

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        widths = [r for r in rows if r[0] != "lossless"]
        x = [r[0] for r in widths]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(x, [r[1] for r in widths], "o-", label="ideal cells")
        if args.device:
            ax.errorbar(x, [np.mean(r[2]) for r in widths],
                        yerr=[np.std(r[2]) for r in widths], fmt="s--",
                        capsize=3, label="device (5 instances)")
        ax.axhline(rows[0][1], color="gray", lw=0.8, label="lossless ADC")
        ax.set_xlabel("ADC bits")
        ax.set_ylabel(f"top-1 accuracy ({args.images} images)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()

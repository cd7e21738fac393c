#!/usr/bin/env python3
"""Benchmark: the Python API's call overhead (issue M9). The bundled
Fashion-MNIST CNN compiled for isaac (lossless and 4-bit ADCs) runs on
1000 test images through `ohm.Simulator.run` (wall time around the call:
NumPy conversion in and out included) and through `ohm-sim` (its own
timing of the executor, `--repeat`), same threads, side by side; prints
the medians, the executor's own time inside the Python call and the
call's overhead (wall minus executor), and the ratio Python / ohm-sim
(which also carries the executor's run-to-run noise).

usage: PYTHONPATH=build/python /usr/bin/python3 bench/python-vs-ohm-sim.py
           [--build-dir build] [--images 1000] [--repeat 7] [--threads 1]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import ohm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "models"))
from fmnist_to_npy import load_fashion_mnist  # noqa: E402

MODEL = os.path.join(ROOT, "test", "models", "fmnist_cnn_qdq.onnx")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    images, _ = load_fashion_mnist(args.images)
    sim_bin = os.path.join(args.build_dir, "bin", "ohm-sim")
    print(f"{os.cpu_count()} CPUs, {args.threads} thread(s), "
          f"{args.images} images, median of {args.repeat} runs")
    print(f"{'adc':>9} {'python s':>10} {'executor s':>11} {'overhead':>9} "
          f"{'ohm-sim s':>10} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as work:
        images_path = os.path.join(work, "images.npy")
        np.save(images_path, images)
        for adc in ("lossless", "4"):
            program = ohm.compile(MODEL, target="isaac", adc=adc)
            program_path = os.path.join(work, f"fm-{adc}.ohmx")
            program.save(program_path)
            sim = ohm.Simulator(program, threads=args.threads)
            sim.run(images)  # warm-up, as ohm-sim's repeats reuse the executor
            seconds, executor = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                sim.run(images)
                seconds.append(time.perf_counter() - start)
                executor.append(sim.report()["counts"]["run_seconds"])
            python_s = statistics.median(seconds)
            # The call's own cost: wall time minus the executor's, per run.
            overhead = statistics.median(w - e for w, e in zip(seconds, executor))
            log = subprocess.run(
                [sim_bin, program_path, "--input", images_path, "--output-dir",
                 os.path.join(work, "out"), f"-j{args.threads}",
                 f"--repeat={args.repeat + 1}"],
                check=True, capture_output=True, text=True)
            text = log.stdout + log.stderr
            match = re.search(r"median ([0-9.]+) s", text)
            cli_s = float(match.group(1))
            print(f"{adc:>9} {python_s:10.4f} {statistics.median(executor):11.4f} "
                  f"{overhead:9.4f} {cli_s:10.4f} {python_s / cli_s:7.3f}")


if __name__ == "__main__":
    main()

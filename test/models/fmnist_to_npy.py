#!/usr/bin/env python3
"""Writes the first N Fashion-MNIST test images (training images with
--train) as a float32 [N,1,28,28] .npy in [0, 1] (x / 255, as the model
was trained), and their labels as an int64 [N] .npy next to it
(<out>.labels.npy).

Reads Debian's dataset-fashion-mnist IDX files. Needs only numpy.

usage: fmnist_to_npy.py N OUT.npy [--train] [--dir /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import os

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train", action="store_true",
                        help="read the training set (e.g. for calibration)")
    args = parser.parse_args()
    prefix = "train" if args.train else "t10k"
    images = read_idx(os.path.join(args.dir, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.dir, prefix + "-labels-idx1-ubyte.gz"))
    x = images[: args.count].astype(np.float32) / np.float32(255.0)
    np.save(args.out, x.reshape(-1, 1, 28, 28))
    np.save(args.out[:-4] + ".labels.npy", labels[: args.count].astype(np.int64))


if __name__ == "__main__":
    main()
